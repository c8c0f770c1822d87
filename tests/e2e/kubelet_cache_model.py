"""A model of kubelet's image credential provider cache and keyring, to feed
with pullcred's real answers.

From kubelet's pkg/credentialprovider (see shared/reference/kubelet.md):
- plugin.go getCachedCredentials: look the image up by the image itself, then
  by its registry (the image up to the first '/'), then by the global key; an
  entry past its expiry is gone. Only on a miss is the provider executed.
- plugin.go provide: the answer is stored under the key its cacheKeyType names
  (Image: the image, Registry: the registry, Global: one key) for
  cacheDuration (absent: the provider's defaultCacheDuration; 0: not stored).
  A failed exec stores nothing and gives no credentials.
- keyring.go: every auth key of the answer is a pattern ("https://" or
  "http://" stripped, a leading "/v1/" or "/v2/" path reduced to "/"); the
  credentials offered for an image are those whose key matches it with
  URLsMatchStr (ports equal, as many host labels, each label a
  filepath.Match glob, the image path starting with the key path), tried in
  reverse lexical order of the keys.
"""
import re
import urllib.parse

GLOBAL_KEY = "global"
DEFAULT_CACHE_DURATION = 12 * 3600


def go_duration_seconds(text):
    """A Go duration string ("5h59m59s", "90m", "0s") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    parts = re.findall(r"([0-9.]+)(h|ms|m|s|us|µs|ns)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a Go duration: {text!r}"
    return sum(float(n) * units[u] for n, u in parts)


def registry_of(image):
    """kubelet's parseRegistry: the image up to the first '/'."""
    return image.split("/", 1)[0]


def _split_url(text):
    url = urllib.parse.urlsplit("https://" + text)
    host, _, port = url.netloc.rpartition(":") if ":" in url.netloc else (url.netloc, "", "")
    return host, port, url.path


def _label_matches(pattern, label):
    """Go filepath.Match for one host label ('*', '[...]' classes; no '/' in labels)."""
    regex = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            regex += "[^/]*"
        elif c == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end]
            regex += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
            i = end
        else:
            regex += re.escape(c)
        i += 1
    return re.fullmatch(regex, label) is not None


def urls_match(pattern, image):
    """kubelet's URLsMatchStr(pattern, image)."""
    glob_host, glob_port, glob_path = _split_url(pattern)
    host, port, path = _split_url(image)
    if glob_port != port:
        return False
    glob_labels, labels = glob_host.split("."), host.split(".")
    if len(glob_labels) != len(labels):
        return False
    if not path.startswith(glob_path):
        return False
    return all(_label_matches(g, t) for g, t in zip(glob_labels, labels))


def normalize_auth_key(key):
    """The key kubelet's BasicDockerKeyring.Add stores an auth entry under."""
    value = key if key.startswith(("https://", "http://")) else "https://" + key
    url = urllib.parse.urlsplit(value)
    path = url.path
    if path.startswith(("/v2/", "/v1/")):
        path = path[3:]
    return url.netloc + path if path and path != "/" else url.netloc


def credentials_for(auth, image):
    """What kubelet offers `image` from one answer's auth map: (username, password), in the order tried."""
    keys = sorted((key for key in auth if urls_match(normalize_auth_key(key), image)), reverse=True)
    return [(auth[key]["username"], auth[key]["password"]) for key in keys]


class KubeletCache:
    """One provider's cache in kubelet. `ask(image)` runs the provider and
    returns its parsed response, or None when the exec failed."""

    def __init__(self, ask, default_cache_duration=DEFAULT_CACHE_DURATION):
        self.ask = ask
        self.default_cache_duration = default_cache_duration
        self.now = 0.0
        self.entries = {}  # cache key -> (auth, expires_at)
        self.asked = []    # images the provider was executed for

    def advance(self, seconds):
        self.now += seconds

    def _cached(self, image):
        for key in (image, registry_of(image), GLOBAL_KEY):
            entry = self.entries.get(key)
            if entry is not None and self.now < entry[1]:
                return entry[0]
            self.entries.pop(key, None)
        return None

    def credentials(self, image):
        auth = self._cached(image)
        if auth is None:
            self.asked.append(image)
            response = self.ask(image)
            if response is None:
                return []
            auth = response["auth"]
            key_type = response["cacheKeyType"]
            assert key_type in ("Image", "Registry", "Global"), response
            key = {"Image": image, "Registry": registry_of(image), "Global": GLOBAL_KEY}[key_type]
            duration = (go_duration_seconds(response["cacheDuration"]) if "cacheDuration" in response
                        else self.default_cache_duration)
            if duration > 0:
                self.entries[key] = (auth, self.now + duration)
        return credentials_for(auth, image)
