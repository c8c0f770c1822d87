#!/usr/bin/env node
// Validates every object of a rendered multi-document YAML stream against
// the Kubernetes API schemas, offline, with the npm package kubernetes-models
// (the model class is picked by apiVersion and kind; an unknown kind fails).
// kubernetes-models' schemas do not reject unknown fields, so each field is
// also probed: its value is replaced by a value of an impossible type
// ([[[]]]) and the object validated again; a field whose replacement the
// schema accepts is unknown to the API and is reported (kubectl's strict
// field validation does the same check against a server).
//
//   node validate.js FILE... | -      (NODE_PATH: the node_modules with the deps)
// Prints one line per object; exit 1 when any object fails, 2 on bad input.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind))
    return {error: `missing or malformed apiVersion/kind (${apiVersion}/${kind})`};
  const parts = apiVersion.split('/');
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9.-]+$/.test(p)))
    return {error: `malformed apiVersion ${apiVersion}`};
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  let mod;
  try {
    mod = require(modulePath);
  } catch (e) {
    if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(modulePath))
      return {error: `unknown kind ${kind} in ${apiVersion} (no ${modulePath})`};
    throw e;
  }
  const Model = mod[kind];
  if (!Model || Model.apiVersion !== apiVersion || Model.kind !== kind)
    return {error: `unknown kind ${kind} in ${apiVersion}`};
  return {Model};
}

function schemaErrors(Model, obj) {
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [String(e.message || e)];
  }
}

// Paths (arrays of keys) of every field inside obj, parents first.
function fieldPaths(value, path, out) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => fieldPaths(v, path.concat([i]), out));
  } else if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      out.push(path.concat([k]));
      fieldPaths(value[k], path.concat([k]), out);
    }
  }
  return out;
}

function withProbe(obj, path) {
  const copy = JSON.parse(JSON.stringify(obj));
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k];
  node[path[path.length - 1]] = [[[]]];
  return copy;
}

function unknownFields(Model, obj) {
  const unknown = [];
  for (const path of fieldPaths(obj, [], [])) {
    if (path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind')) continue;
    // A parent already reported as unknown covers its children.
    if (unknown.some((u) => u.length < path.length && u.every((k, i) => k === path[i]))) continue;
    if (schemaErrors(Model, withProbe(obj, path)).length === 0) unknown.push(path);
  }
  return unknown.map((p) => '/' + p.join('/'));
}

function main(argv) {
  const files = argv.length ? argv : ['-'];
  let failed = 0;
  let count = 0;
  for (const file of files) {
    const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
    const docs = YAML.parseAllDocuments(text);
    for (const doc of docs) {
      if (doc.errors && doc.errors.length) {
        console.log(`FAIL ${file}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
        return 2;
      }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) continue;
      count++;
      const name = `${obj.kind}/${(obj.metadata && obj.metadata.name) || '?'}`;
      const {Model, error} = modelFor(obj.apiVersion, obj.kind);
      let problems = error ? [error] : schemaErrors(Model, obj);
      if (!problems.length) problems = unknownFields(Model, obj).map((p) => `unknown field ${p}`);
      if (problems.length) {
        failed++;
        console.log(`FAIL ${obj.apiVersion} ${name}: ${problems.join('; ')}`);
      } else {
        console.log(`ok ${obj.apiVersion} ${name}`);
      }
    }
  }
  if (count === 0) {
    console.log('FAIL no objects');
    return 2;
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
