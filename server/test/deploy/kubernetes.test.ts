import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { PERSISTER_METRICS_PORT } from '../../src/observability/metrics-server.js';
import { build, containersOf, findKubectl, podSpecOf, type K8sObject } from './kustomize.js';

/**
 * deploy/kubernetes, built the way `kubectl apply -k` builds it (kustomize.ts,
 * compared with kubectl's own kustomize where kubectl is installed), then
 * every object checked against the Kubernetes API schemas (kubernetes-models)
 * and against what Parley needs of it: probes on the right paths and port, a
 * grace period longer than the drain, no more persisters than partitions, an
 * environment that Parley's own config loader accepts, no secret in a
 * ConfigMap, selectors that select what they mean to.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KUBE = `${ROOT}deploy/kubernetes`;
const OVERLAYS = ['local', 'production'] as const;

/** Settings that carry a credential: only ever from the Secret. */
const SECRET_SETTINGS = ['JWT_SECRET', 'DATABASE_URL', 'MONGO_URL', 'REDIS_URL', 'MESSAGE_KEYS'];

/** Every variable of docs/configuration.md's table: the settings Parley has. */
const parleySettings = (): Set<string> => {
  const table = readFileSync(`${ROOT}docs/configuration.md`, 'utf8');
  return new Set([...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
};

const MODELS: Record<string, { validate(): void } & (new (o: K8sObject) => { validate(): void })> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
} as never;

/**
 * kustomize writes long Secret values as base64 in lines of 70; the API server
 * decodes them (Go's base64 skips newlines), the schema's "byte" format does not.
 */
const forValidation = (object: K8sObject): K8sObject =>
  object.kind === 'Secret' && object.data
    ? { ...object, data: Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\n/g, '')])) }
    : object;

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0];
};
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The Secret each overlay's pods read: generated (local) or the example the operator copies (production). */
function secretOf(overlay: string, objects: K8sObject[]): { name: string; data: Record<string, string> } {
  const generated = byKind(objects, 'Secret')[0];
  if (generated) {
    const data = Object.fromEntries(Object.entries(generated.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    return { name: generated.metadata.name, data };
  }
  const example = parseYaml(readFileSync(`${KUBE}/overlays/${overlay}/secret.example.yaml`, 'utf8'));
  return { name: example.metadata.name, data: example.stringData };
}

/** A container's environment as the kubelet assembles it: envFrom ConfigMaps, then env (values and Secret keys). */
function environmentOf(container: K8sObject, objects: K8sObject[], secret: { name: string; data: Record<string, string> }) {
  const env: Record<string, string> = {};
  const names: string[] = [];
  for (const from of container.envFrom ?? []) {
    expect(from.secretRef, 'secrets are referenced key by key, not envFrom').toBeUndefined();
    const configMap = one(objects, 'ConfigMap', from.configMapRef.name);
    Object.assign(env, configMap.data);
    names.push(...Object.keys(configMap.data));
  }
  for (const entry of container.env ?? []) {
    names.push(entry.name);
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) {
      expect(ref.name, `${entry.name} comes from the Secret`).toBe(secret.name);
      const value = secret.data[ref.key];
      if (value === undefined) expect(ref.optional, `Secret key ${ref.key} is missing and not optional`).toBe(true);
      else env[entry.name] = value;
    } else {
      expect(SECRET_SETTINGS, `${entry.name} is set in plain text`).not.toContain(entry.name);
      env[entry.name] = entry.value;
    }
  }
  return { env, names };
}

/** Seconds a preStop hook holds the pod before SIGTERM (exec sleep N, or the sleep action). */
function preStopSeconds(container: K8sObject): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds;
  const command: string[] = preStop.exec?.command ?? [];
  expect(command[0], 'preStop is a plain sleep').toBe('sleep');
  return Number(command[1]);
}

/** A probe's or Service's port (a name or a number) as the container's port number. */
function portNumber(container: K8sObject, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = (container.ports ?? []).find((p: K8sObject) => p.name === port);
  expect(found, `container ${container.name} has a port named ${port}`).toBeDefined();
  return found.containerPort;
}

const built = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, build(`${KUBE}/overlays/${overlay}`)])) as Record<(typeof OVERLAYS)[number], K8sObject[]>;
const settings = parleySettings();

describe('deploy/kubernetes', () => {
  const kubectl = findKubectl();
  it.skipIf(!kubectl)('the test builds each overlay exactly as kubectl kustomize does', () => {
    for (const overlay of OVERLAYS) {
      const output = execFileSync(kubectl!, ['kustomize', `${KUBE}/overlays/${overlay}`], { encoding: 'utf8' });
      const theirs = parseAllDocuments(output).map((d) => d.toJS() as K8sObject);
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
      const sorted = (list: K8sObject[]) => [...list].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      expect(sorted(built[overlay]), overlay).toEqual(sorted(theirs));
    }
  });

  it('docs/configuration.md lists the settings (the table this test reads is there)', () => {
    for (const name of ['PORT', 'SHUTDOWN_TIMEOUT', 'KAFKA_PARTITIONS', 'METRICS_PORT', 'JWT_SECRET']) expect(settings).toContain(name);
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = built[overlay];
    const secret = secretOf(overlay, objects);
    const api = one(objects, 'Deployment', 'parley-api');
    const persister = one(objects, 'Deployment', 'parley-persister');
    const migrate = one(objects, 'Job', 'parley-migrate');
    const workloads = [api, persister, migrate];
    const configOf = (workload: K8sObject, extra: Record<string, string> = {}): Config => {
      const { env } = environmentOf(podSpecOf(workload)!.containers[0], objects, secret);
      return loadConfig({ ...env, ...extra });
    };

    it('every object is valid against the Kubernetes API schema of its kind', () => {
      for (const object of objects) {
        const Model = MODELS[`${object.apiVersion}/${object.kind}`];
        expect(Model, `a model for ${object.apiVersion} ${object.kind} (add it to MODELS)`).toBeDefined();
        expect(() => new Model(forValidation(object)).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
        expect(object.metadata.namespace, `${object.kind}/${object.metadata.name} namespace`).toBe('parley');
      }
    });

    it('every variable set is a Parley setting, and Parley accepts the whole environment', () => {
      for (const workload of workloads) {
        for (const container of podSpecOf(workload)!.containers) {
          const { env, names } = environmentOf(container, objects, secret);
          for (const name of names) expect(settings, `${workload.metadata.name}: ${name} is not in docs/configuration.md's table`).toContain(name);
          // The persister forces PERSISTER=external itself (workers/persister-main.ts).
          const config = loadConfig(workload === persister ? { ...env, PERSISTER: 'external' } : env);
          expect(config.production).toBe(true);
          expect(config.persister).toBe('external');
          // Every engine shared: with one missing, a pod would fall back to an embedded one of its own.
          expect(config.databaseUrl && config.redisUrl && config.mongoUrl && config.kafkaBrokers, `${workload.metadata.name} names every engine`).toBeTruthy();
          expect(config.jwtSecret).toBeDefined();
        }
      }
    });

    it('no secret in a ConfigMap, and the Secret is what it should be', () => {
      for (const configMap of byKind(objects, 'ConfigMap')) {
        for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) {
          expect(SECRET_SETTINGS, `ConfigMap ${configMap.metadata.name} holds ${key}`).not.toContain(key);
          expect(value, `${key} looks like a URL with a password`).not.toMatch(/:\/\/[^/@\s]*:[^/@\s]*@/);
        }
      }
      for (const key of Object.keys(secret.data)) expect(settings, `Secret key ${key}`).toContain(key);
      if (overlay === 'production') {
        // The example is copied by hand: every value must say it is a placeholder, and it must not be in the build.
        expect(byKind(objects, 'Secret')).toHaveLength(0);
        for (const [key, value] of Object.entries(secret.data)) expect(value, `secret.example.yaml ${key}`).toContain('REPLACE_ME');
        expect(() => new Secret(parseYaml(readFileSync(`${KUBE}/overlays/production/secret.example.yaml`, 'utf8'))).validate()).not.toThrow();
      }
    });

    it('the API: probes on /readyz and /healthz at the port Parley listens on', () => {
      const config = configOf(api);
      const container = podSpecOf(api)!.containers[0];
      const probes = { readinessProbe: '/readyz', livenessProbe: '/healthz', startupProbe: '/healthz' } as const;
      for (const [probe, path] of Object.entries(probes)) {
        expect(container[probe]?.httpGet?.path, probe).toBe(path);
        expect(portNumber(container, container[probe].httpGet.port), `${probe} port`).toBe(config.port);
      }
      expect(portNumber(container, 'http')).toBe(config.port);
    });

    it('every pod gets longer than SHUTDOWN_TIMEOUT (plus its preStop sleep) before SIGKILL', () => {
      const apiContainer = podSpecOf(api)!.containers[0];
      // The API waits for its endpoint to leave every proxy before it drains.
      expect(preStopSeconds(apiContainer)).toBeGreaterThanOrEqual(5);
      for (const workload of [api, persister]) {
        const config = configOf(workload, { PERSISTER: 'external' });
        const pod = podSpecOf(workload)!;
        const held = Math.max(...pod.containers.map(preStopSeconds));
        expect(pod.terminationGracePeriodSeconds, `${workload.metadata.name}: grace vs preStop ${held}s + SHUTDOWN_TIMEOUT ${config.shutdownTimeoutMs / 1000}s`).toBeGreaterThan(held + config.shutdownTimeoutMs / 1000);
      }
    });

    it('no more persisters than partitions of parley.messages', () => {
      const config = configOf(persister, { PERSISTER: 'external' });
      expect(persister.spec.replicas).toBeGreaterThanOrEqual(1);
      expect(persister.spec.replicas).toBeLessThanOrEqual(config.kafkaPartitions);
      // Nothing scales the persister past that behind the manifests' back.
      for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) expect(hpa.spec.scaleTargetRef.name).not.toBe('parley-persister');
    });

    it('metrics on METRICS_PORT, apart from the API port, where the scrape annotations point', () => {
      for (const workload of [api, persister]) {
        const config = configOf(workload, { PERSISTER: 'external' });
        const metricsPort = config.metricsPort ?? PERSISTER_METRICS_PORT;
        const container = podSpecOf(workload)!.containers[0];
        expect(portNumber(container, 'metrics'), workload.metadata.name).toBe(metricsPort);
        const annotations = workload.spec.template.metadata.annotations;
        expect(annotations['prometheus.io/scrape']).toBe('true');
        expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort);
        expect(annotations['prometheus.io/path']).toBe('/metrics');
      }
      const apiConfig = configOf(api);
      expect(apiConfig.metricsPort, 'the API serves /metrics off its public port').toBeDefined();
      expect(apiConfig.metricsPort).not.toBe(apiConfig.port);
      const persisterContainer = podSpecOf(persister)!.containers[0];
      expect(portNumber(persisterContainer, persisterContainer.livenessProbe.httpGet.port)).toBe(configOf(persister, { PERSISTER: 'external' }).metricsPort ?? PERSISTER_METRICS_PORT);
    });

    it('selectors select their own pods and nothing else; the Service is plain, the PDB and HPA are the API\'s', () => {
      const deployments = byKind(objects, 'Deployment');
      for (const deployment of deployments) {
        expect(selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels), deployment.metadata.name).toBe(true);
        for (const other of deployments.filter((d) => d !== deployment)) {
          expect(selects(deployment.spec.selector.matchLabels, other.spec.template.metadata.labels), `${deployment.metadata.name} selects ${other.metadata.name}'s pods`).toBe(false);
        }
      }
      const podsOf = (selector: Record<string, string>) => [...deployments, migrate].filter((w) => selects(selector, w.spec.template.metadata.labels));
      const service = one(objects, 'Service', 'parley-api');
      expect(podsOf(service.spec.selector)).toEqual([api]);
      expect(service.spec.sessionAffinity ?? 'None', 'no session affinity: any pod serves any socket').toBe('None');
      const apiContainer = podSpecOf(api)!.containers[0];
      for (const port of service.spec.ports) expect(portNumber(apiContainer, port.targetPort)).toBe(configOf(api).port);
      expect(one(objects, 'PodDisruptionBudget', 'parley-api').spec.selector.matchLabels).toEqual(api.spec.selector.matchLabels);
      for (const pdb of byKind(objects, 'PodDisruptionBudget')) expect(podsOf(pdb.spec.selector.matchLabels), pdb.metadata.name).toHaveLength(1);
      const hpa = one(objects, 'HorizontalPodAutoscaler', 'parley-api');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'parley-api' });
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(hpa.spec.metrics.some((m: K8sObject) => m.resource?.name === 'cpu')).toBe(true);
      // CPU utilization is a share of the request: without one the HPA cannot compute it.
      expect(apiContainer.resources.requests.cpu).toBeDefined();
      for (const ingress of byKind(objects, 'Ingress')) {
        for (const path of ingress.spec.rules.flatMap((r: K8sObject) => r.http.paths)) {
          expect(path.backend.service.name).toBe('parley-api');
          expect(service.spec.ports.map((p: K8sObject) => p.name)).toContain(path.backend.service.port.name);
        }
        expect(Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']), 'WebSockets outlive the proxy timeout').toBeGreaterThanOrEqual(3600);
      }
    });

    it('the HPA owns the API\'s count: the Deployment it scales names no replicas, which every apply would reset it to', () => {
      for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
        const target = one(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
        expect(target.spec.replicas, `${target.metadata.name} is scaled by HPA ${hpa.metadata.name}`).toBeUndefined();
        expect(hpa.spec.minReplicas, 'at least two API pods, so one can stop while the other serves').toBeGreaterThanOrEqual(2);
      }
    });

    it.runIf(overlay === 'production')('the API requests the memory docs/capacity.md fills it to (75% of its limit), so nodes are not overcommitted', () => {
      const { requests, limits } = podSpecOf(api)!.containers[0].resources;
      const bytes = (quantity: string) => {
        const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
        expect(match, `memory quantity ${quantity}`).not.toBeNull();
        return Number(match![1]) * (match![2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
      };
      expect(bytes(requests.memory)).toBeGreaterThanOrEqual(0.75 * bytes(limits.memory));
      expect(bytes(requests.memory)).toBeLessThanOrEqual(bytes(limits.memory));
    });

    it('under Argo CD the migration Job runs after what it reads and before the Deployments', () => {
      // Argo CD applies by phase (PreSync hooks before any manifest, then Sync: manifests and Sync hooks), then by wave.
      const PHASES: Record<string, number> = { PreSync: 0, Sync: 1, PostSync: 2 };
      const orderOf = (object: K8sObject): [number, number] => {
        const annotations = object.metadata.annotations ?? {};
        const phase = annotations['argocd.argoproj.io/hook'] ?? 'Sync';
        expect(PHASES, `${object.kind}/${object.metadata.name} hook ${phase}`).toHaveProperty(phase);
        return [PHASES[phase]!, Number(annotations['argocd.argoproj.io/sync-wave'] ?? 0)];
      };
      const before = (a: K8sObject, b: K8sObject) => {
        const [x, y] = [orderOf(a), orderOf(b)];
        return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
      };
      const container = podSpecOf(migrate)!.containers[0];
      const read = [
        ...(container.envFrom ?? []).map((from: K8sObject) => one(objects, 'ConfigMap', from.configMapRef.name)),
        ...byKind(objects, 'Secret').filter((s) => (container.env ?? []).some((e: K8sObject) => e.valueFrom?.secretKeyRef?.name === s.metadata.name)),
      ];
      expect(read.length).toBeGreaterThan(0);
      for (const object of read) expect(before(object, migrate), `${object.kind}/${object.metadata.name} is applied before the Job`).toBe(true);
      for (const deployment of byKind(objects, 'Deployment')) expect(before(migrate, deployment), `the Job completes before ${deployment.metadata.name}`).toBe(true);
      // A hook Job is replaced at each sync (its pod template cannot change in place).
      expect(migrate.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    });

    it('one image for every process, which runs files the server builds, as non-root on a read-only root', () => {
      const images = new Set(workloads.flatMap(containersOf).map((c) => c.image));
      expect(images.size, [...images].join(', ')).toBe(1);
      expect(podSpecOf(migrate)!.restartPolicy).toBe('Never');
      expect(podSpecOf(migrate)!.containers[0].command).toEqual(['node', 'server/dist/scripts/migrate.js']);
      for (const workload of workloads) {
        const pod = podSpecOf(workload)!;
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        for (const container of pod.containers) {
          // The image's command is server/dist/main.js; others name a compiled script whose source must exist.
          const script = (container.command ?? ['node', 'server/dist/main.js'])[1];
          expect(existsSync(`${ROOT}${script.replace(/^server\/dist\//, 'server/src/').replace(/\.js$/, '.ts')}`), script).toBe(true);
          expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          expect(container.resources.requests, `${workload.metadata.name} requests`).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
          expect(container.resources.limits, `${workload.metadata.name} limits`).toMatchObject({ memory: expect.anything() });
        }
      }
    });
  });
});
