import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/**
 * The part of `kustomize build` that deploy/kubernetes uses, so the manifests
 * can be built and checked where no kustomize binary is installed (there is
 * no npm package of it). kubernetes.test.ts compares this output with
 * `kubectl kustomize` wherever kubectl is on the PATH. A kustomization field
 * outside this subset fails the build here with its name, rather than being
 * ignored: extend this file (and let the comparison prove it) before using it.
 *
 * Supported: resources (files and directories), namespace, configMapGenerator
 * and secretGenerator (envs files and literals; behavior create or merge;
 * options.annotations; kustomize's content-hash suffix, and the references to
 * it in pod templates renamed), images (newName, newTag, digest), replicas, and patches written as
 * JSON 6902 operations (add, replace, remove) with a target of kind and name.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any> & { [GENERATED]?: boolean };

interface Generator {
  name: string;
  behavior?: 'create' | 'merge';
  envs?: string[];
  literals?: string[];
  type?: string;
  /** Of the generator options, only annotations (put on the generated object; merged by behavior merge). */
  options?: { annotations?: Record<string, string> };
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { target: { kind: string; name: string }; patch: string }[];
}

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'images',
  'replicas',
  'patches',
]);

/** Generated objects keep their plain name until the top-level build adds the hash. */
const GENERATED = Symbol('generated');

/** `kustomize build dir`, for the subset above. */
export function build(dir: string): K8sObject[] {
  const objects = accumulate(dir);
  return objects.map((object) => finalize(object, objects));
}

function accumulate(dir: string): K8sObject[] {
  const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  for (const field of Object.keys(kustomization)) {
    if (!KNOWN_FIELDS.has(field)) throw new Error(`${dir}/kustomization.yaml: "${field}" is outside the kustomize subset of test/deploy/kustomize.ts`);
  }
  const objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...accumulate(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS() as K8sObject).filter(Boolean));
  }
  for (const generator of kustomization.configMapGenerator ?? []) generate(dir, objects, 'ConfigMap', generator);
  for (const generator of kustomization.secretGenerator ?? []) generate(dir, objects, 'Secret', generator);

  if (kustomization.namespace) for (const object of objects) object.metadata.namespace = kustomization.namespace;
  for (const image of kustomization.images ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      const [name, tag] = splitImage(container.image);
      if (name !== image.name) continue;
      const newName = image.newName ?? name;
      container.image = image.digest ? `${newName}@${image.digest}` : image.newTag ? `${newName}:${image.newTag}` : tag ? `${newName}${tag}` : newName;
    }
  }
  for (const { name, count } of kustomization.replicas ?? []) {
    const targets = objects.filter((o) => o.metadata.name === name && o.spec && 'template' in o.spec && o.kind !== 'Job');
    if (targets.length === 0) throw new Error(`${dir}: replicas names ${name}, which is not a workload here`);
    for (const target of targets) target.spec.replicas = count;
  }
  for (const { target, patch } of kustomization.patches ?? []) {
    const matches = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (matches.length !== 1) throw new Error(`${dir}: a patch targets ${target.kind}/${target.name}, found ${matches.length}`);
    const operations = parseYaml(patch) as { op: string; path: string; value?: unknown }[];
    if (!Array.isArray(operations)) throw new Error(`${dir}: only JSON 6902 patches (a list of operations) are in the subset`);
    for (const operation of operations) applyOperation(matches[0], operation);
  }
  return objects;
}

/** `name[:tag|@digest]` → [name, ':tag' or '@digest' or '']; a registry port is not a tag. */
function splitImage(image: string): [string, string] {
  const at = image.indexOf('@');
  if (at >= 0) return [image.slice(0, at), image.slice(at)];
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon)] : [image, ''];
}

export function podSpecOf(object: K8sObject): K8sObject | undefined {
  return object.spec?.template?.spec;
}

export function containersOf(object: K8sObject): K8sObject[] {
  const pod = podSpecOf(object);
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

/** kustomize reads an env file line by line: `KEY=value` taken literally, `#` comments, blank lines. */
export function parseEnvFile(text: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    // Without `=` kustomize would read the value from its own environment: never wanted here.
    if (eq <= 0) throw new Error(`env file line without KEY=value: ${JSON.stringify(line)}`);
    data[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return data;
}

function generate(dir: string, objects: K8sObject[], kind: 'ConfigMap' | 'Secret', generator: Generator): void {
  const data: Record<string, string> = {};
  for (const file of generator.envs ?? []) Object.assign(data, parseEnvFile(readFileSync(join(dir, file), 'utf8')));
  for (const literal of generator.literals ?? []) {
    const eq = literal.indexOf('=');
    data[literal.slice(0, eq)] = literal.slice(eq + 1);
  }
  const encoded = kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, base64Lines(v)])) : data;
  const { annotations, ...otherOptions } = generator.options ?? {};
  if (Object.keys(otherOptions).length > 0) throw new Error(`${dir}: generator options ${Object.keys(otherOptions).join(', ')} are outside the subset`);
  const behavior = generator.behavior ?? 'create';
  const existing = objects.find((o) => o.kind === kind && o.metadata.name === generator.name && o[GENERATED]);
  if (behavior === 'merge') {
    if (!existing) throw new Error(`${dir}: ${kind} ${generator.name} to merge into is not generated by a base`);
    existing.data = { ...existing.data, ...encoded };
    if (annotations) existing.metadata.annotations = { ...existing.metadata.annotations, ...annotations };
    return;
  }
  if (behavior !== 'create') throw new Error(`${dir}: generator behavior ${behavior} is outside the subset`);
  if (existing) throw new Error(`${dir}: ${kind} ${generator.name} is generated twice`);
  const object: K8sObject = { apiVersion: 'v1', kind, metadata: { name: generator.name, ...(annotations ? { annotations: { ...annotations } } : {}) }, ...(kind === 'Secret' ? { type: generator.type ?? 'Opaque' } : {}), data: encoded };
  Object.defineProperty(object, GENERATED, { value: true, enumerable: false });
  objects.push(object);
}

/** kustomize's Secret values: base64 in lines of 70, each line ending in a newline once there is more than one. */
function base64Lines(value: string): string {
  const encoded = Buffer.from(value).toString('base64');
  if (Math.floor(encoded.length / 70) + 1 === 1) return encoded;
  return encoded.match(/.{1,70}/g)!.map((line) => `${line}\n`).join('');
}

/** Go's encoding/json escapes these in strings; JSON.stringify does not. */
const goJson = (value: unknown): string =>
  JSON.stringify(value, Object.keys(value as object).sort()).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const sortedKeys = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * kustomize's api/hasher: sha256 of the object's kind, (type) and data as Go
 * marshals a map (sorted keys, HTML characters escaped); 10 hex digits, some
 * letters swapped. Its "name" field is always empty: the hasher looks up
 * `metadata/name` as one field name, which finds nothing (kustomize 5.5).
 */
export function nameHash(object: K8sObject): string {
  const fields: Record<string, unknown> = { data: sortedKeys(object.data ?? {}), kind: object.kind, name: '' };
  if (object.kind === 'Secret') fields.type = object.type;
  const json = `{${Object.keys(fields)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${k === 'data' ? goJson(fields[k]) : JSON.stringify(fields[k])}`)
    .join(',')}}`;
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' })[c as '0']);
}

function finalize(object: K8sObject, all: K8sObject[]): K8sObject {
  const renames = new Map<string, string>();
  for (const generated of all.filter((o) => o[GENERATED])) {
    renames.set(`${generated.kind}/${generated.metadata.name}`, `${generated.metadata.name}-${nameHash(generated)}`);
  }
  const copy = structuredClone(object);
  if (object[GENERATED]) copy.metadata.name = renames.get(`${object.kind}/${object.metadata.name}`);
  const rename = (kind: string, name: string) => renames.get(`${kind}/${name}`) ?? name;
  const pod = podSpecOf(copy);
  if (pod) {
    for (const container of containersOf(copy)) {
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef) from.configMapRef.name = rename('ConfigMap', from.configMapRef.name);
        if (from.secretRef) from.secretRef.name = rename('Secret', from.secretRef.name);
      }
      for (const env of container.env ?? []) {
        const ref = env.valueFrom;
        if (ref?.configMapKeyRef) ref.configMapKeyRef.name = rename('ConfigMap', ref.configMapKeyRef.name);
        if (ref?.secretKeyRef) ref.secretKeyRef.name = rename('Secret', ref.secretKeyRef.name);
      }
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.configMap) volume.configMap.name = rename('ConfigMap', volume.configMap.name);
      if (volume.secret) volume.secret.secretName = rename('Secret', volume.secret.secretName);
    }
  }
  return copy;
}

function applyOperation(target: K8sObject, { op, path, value }: { op: string; path: string; value?: unknown }): void {
  const keys = path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let parent: any = target;
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key];
    if (parent === undefined) throw new Error(`patch path ${path} does not exist in ${target.kind}/${target.metadata.name}`);
  }
  const index = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : last;
  const present = Array.isArray(parent) ? (index as number) < parent.length : last in parent;
  if (op === 'add') {
    if (Array.isArray(parent)) parent.splice(index as number, 0, structuredClone(value));
    else parent[last] = structuredClone(value);
  } else if (op === 'replace' || op === 'remove') {
    if (!present) throw new Error(`patch ${op} ${path}: nothing there in ${target.kind}/${target.metadata.name}`);
    if (op === 'replace') parent[index] = structuredClone(value);
    else if (Array.isArray(parent)) parent.splice(index as number, 1);
    else delete parent[last];
  } else {
    throw new Error(`patch op ${op} is outside the subset`);
  }
}

/** Whether `kubectl` (which embeds kustomize) is on the PATH. */
export function findKubectl(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}
