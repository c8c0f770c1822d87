{{/* Names, labels, namespace, image. */}}
{{- define "pullcred.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pullcred.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pullcred.namespace" -}}
{{- .Values.defaultNamespace | default .Release.Namespace -}}
{{- end -}}

{{- define "pullcred.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pullcred.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pullcred.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pullcred.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "pullcred.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "pullcred.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
Image: <sourceRegistry>/<repository>@<digest>, else :<tag or appVersion>.
The EKS Anywhere package's own image is refused: its values name
credential-provider-package, which is not pullcred.
*/}}
{{- define "pullcred.image" -}}
{{- $img := .Values.image -}}
{{- if eq (base $img.repository) "credential-provider-package" -}}
{{- fail "image.repository is the EKS Anywhere credential-provider-package image, not pullcred: drop sourceRegistry and image.repository/tag/digest from the values you migrate (or point them at pullcred's image)" -}}
{{- end -}}
{{- $repo := $img.repository -}}
{{- if .Values.sourceRegistry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .Values.sourceRegistry) $img.repository -}}
{{- end -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo ($img.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Where Secrets are mounted in the pod, and mirrored on the host by the installer. */}}
{{- define "pullcred.secretsDir" -}}/etc/pullcred/secrets{{- end -}}
{{/* Where the rendered config is mounted in the pod. */}}
{{- define "pullcred.chartConfigDir" -}}/etc/pullcred/chart{{- end -}}

{{/*
The plan, as JSON: everything the ConfigMap and the DaemonSet derive from
the values.
  profiles     pullcred profiles (credential entries', then `profiles`)
  rules        pullcred rules (`registries` first, then one per credential entry)
  mounts       one Secret volume per distinct secretName
  matchImages  union of every rule's matchImages, in order (the kubelet provider's)
  proxyEnv     names of the non-empty proxy variables
*/}}
{{- define "pullcred.plan" -}}
{{- $v := .Values -}}
{{- $secretsDir := include "pullcred.secretsDir" . -}}
{{- $profiles := dict -}}
{{- $origin := dict -}}
{{- $credRules := list -}}
{{- $mounts := list -}}
{{- $seen := dict -}}
{{- range $i, $c := $v.credential -}}
  {{- $where := printf "credential[%d] (secretName %s)" $i $c.secretName -}}
  {{- $type := $c.type | default (ternary "config" "keys" (not (empty $c.profile))) -}}
  {{- $dir := printf "%s/%s" $secretsDir $c.secretName -}}
  {{- if not (hasKey $seen $c.secretName) -}}
    {{- $_ := set $seen $c.secretName true -}}
    {{- $mounts = append $mounts (dict "volume" (printf "credential-%d" $i) "secretName" $c.secretName "path" $dir) -}}
  {{- end -}}
  {{- $profile := dict -}}
  {{- $name := "" -}}
  {{- if eq $type "config" -}}
    {{- $awsProfile := $c.profile | default "default" -}}
    {{- $profile = dict "source" "aws.shared-config" "configFile" (printf "%s/config" $dir) "profile" $awsProfile -}}
    {{- $name = printf "%s.%s" $c.secretName (regexReplaceAll "[^A-Za-z0-9._-]" $awsProfile "_") -}}
  {{- else -}}
    {{- $profile = dict "source" "aws.static" "secretDir" $dir -}}
    {{- $name = $c.secretName -}}
  {{- end -}}
  {{- $name = $c.name | default $name -}}
  {{- if and (hasKey $profiles $name) (ne (toJson (get $profiles $name)) (toJson $profile)) -}}
    {{- fail (printf "%s: profile name %q is already used by %s for a different Secret or profile; set `name` on one of them" $where $name (get $origin $name)) -}}
  {{- end -}}
  {{- $_ := set $profiles $name $profile -}}
  {{- $_ := set $origin $name $where -}}
  {{- $rule := dict "matchImages" ($c.matchImages | default $v.defaultMatchImages) "backend" "aws.ecr" "profile" $name -}}
  {{- if $c.defaultCacheDuration -}}
    {{- $_ := set $rule "cacheDuration" $c.defaultCacheDuration -}}
  {{- end -}}
  {{- $credRules = append $credRules $rule -}}
{{- end -}}
{{- range $name, $p := $v.profiles -}}
  {{- if hasKey $profiles $name -}}
    {{- fail (printf "profiles.%s: the name is already the profile of %s; rename it (or set `name` on the credential entry)" $name (get $origin $name)) -}}
  {{- end -}}
  {{- $_ := set $profiles $name $p -}}
{{- end -}}
{{- $rules := concat $v.registries $credRules -}}
{{- $matchImages := list -}}
{{- range $i, $r := $rules -}}
  {{- if and $r.profile (not (hasKey $profiles $r.profile)) -}}
    {{- fail (printf "registries: a rule for %s names profile %q, which neither `profiles` nor a credential entry defines (defined: %s)" (toJson $r.matchImages) $r.profile (keys $profiles | sortAlpha | join ", ")) -}}
  {{- end -}}
  {{- $matchImages = concat $matchImages $r.matchImages -}}
{{- end -}}
{{- if not $rules -}}
  {{- fail "nothing to install: set at least one `credential` entry or one `registries` rule" -}}
{{- end -}}
{{- $proxyEnv := list -}}
{{- range $k := list "HTTP_PROXY" "HTTPS_PROXY" "NO_PROXY" -}}
  {{- if get $v.proxy $k -}}
    {{- $proxyEnv = append $proxyEnv $k -}}
  {{- end -}}
{{- end -}}
{{- dict "profiles" $profiles "rules" $rules "mounts" $mounts "matchImages" (uniq $matchImages) "proxyEnv" $proxyEnv | toJson -}}
{{- end -}}

{{/* The provider's defaultCacheDuration for kubelet. */}}
{{- define "pullcred.kubeletCacheDuration" -}}
{{- $first := "" -}}
{{- with .Values.credential -}}{{- $first = (first .).defaultCacheDuration -}}{{- end -}}
{{- .Values.kubelet.defaultCacheDuration | default $first | default "5h" -}}
{{- end -}}
