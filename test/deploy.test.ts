import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { parseAllDocuments, parse } from 'yaml';
import { loadConfig } from '../src/config';
import { startStack, type Stack } from './support/stack';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every YAML document of deploy/k8s, by kind. */
function manifests(): Map<string, Record<string, any>> {
  const byKind = new Map<string, Record<string, any>>();
  for (const file of readdirSync(join(ROOT, 'deploy', 'k8s')).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(read(join('deploy', 'k8s', file)))) {
      expect({ file, errors: doc.errors.map((e) => e.message) }).toEqual({ file, errors: [] });
      const value = doc.toJS() as Record<string, any>;
      byKind.set(value.kind, value);
    }
  }
  return byKind;
}

/** The metric names the gateway exports (issue 17), as PromQL sees them (histograms by their series). */
const HISTOGRAMS = [
  'gateway_operation_duration_seconds',
  'gateway_upstream_request_duration_seconds',
  'gateway_event_append_duration_seconds',
];
const METRICS = new Set([
  'gateway_operations_total',
  'gateway_upstream_requests_total',
  'gateway_token_requests_total',
  'gateway_lookup_cache_total',
  'gateway_callbacks_total',
  'gateway_event_read_lag_seconds',
  'gateway_subscriptions_open',
  'gateway_websockets_open',
  'gateway_refusals_total',
  'gateway_breaker_state',
  ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

describe('Kubernetes manifests (deploy/k8s)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  const k8s = manifests();

  test('parse, and hold a Deployment, Service, Ingress, PodDisruptionBudget and HorizontalPodAutoscaler of one app', () => {
    for (const kind of ['Deployment', 'Service', 'Ingress', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ConfigMap']) {
      expect(k8s.get(kind)).toBeDefined();
    }
    const deployment = k8s.get('Deployment')!;
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(k8s.get('Service')!.spec.selector).toEqual(labels);
    expect(k8s.get('PodDisruptionBudget')!.spec.selector.matchLabels).toEqual(labels);
    expect(k8s.get('HorizontalPodAutoscaler')!.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(k8s.get('HorizontalPodAutoscaler')!.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  test('probe /readyz and /healthz, paths the gateway answers; the grace period covers drain and timeout', async () => {
    const deployment = k8s.get('Deployment')!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const path of [container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path]) {
      const res = await request(`${stack.url}${path}`);
      await res.body.text();
      expect({ path, status: res.statusCode }).toEqual({ path, status: 200 });
    }
    // The ConfigMap's settings are a configuration the gateway accepts (with the secret's keys).
    const settings = k8s.get('ConfigMap')!.data as Record<string, string>;
    const secret = k8s.get('Secret')!.stringData as Record<string, string>;
    const config = loadConfig({ ...settings, ...secret });
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdown.drainMs + config.shutdown.timeoutMs);
    expect(container.ports[0].containerPort).toBe(config.port);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  test('the ingress carries the hook URL and the GraphQL path, not the metrics or probes', () => {
    const paths = k8s.get('Ingress')!.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.path));
    expect(paths).toEqual(expect.arrayContaining(['/graphql', '/hooks']));
    expect(paths).not.toEqual(expect.arrayContaining(['/metrics']));
    expect(paths).not.toContain('/');
  });
});

describe('Prometheus alert rules (deploy/prometheus-rules.yml)', () => {
  const rules = (parse(read('deploy/prometheus-rules.yml')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
    (g) => g.rules,
  );

  test('alert on error rate, upstream errors, p99 latency, breaker open, dead letters, event read lag and readiness', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'gateway_operations_total',
      'gateway_upstream_requests_total',
      'gateway_operation_duration_seconds_bucket',
      'gateway_breaker_state',
      'gateway_callbacks_total{result="dead_letter"}',
      'gateway_event_read_lag_seconds',
      'kube_deployment_status_replicas_unavailable',
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  test("name only the gateway's metrics (and the cluster's own: up, kube-state-metrics)", () => {
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/\b(gateway_[a-z_]+|kube_[a-z_]+|up)\b/g)].map((m) => m[1]);
      for (const name of names.filter((n) => n.startsWith('gateway_')))
        expect({ alert: rule.alert, name, known: METRICS.has(name) }).toEqual({ alert: rule.alert, name, known: true });
    }
  });
});

/** `docker compose` (the plugin) or `docker-compose`, whichever is installed. */
function composeCommand(): string[] | undefined {
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(candidate[0], [...candidate.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

describe('docker-compose.yml, Dockerfile and the load balancer', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any> };

  test('Redis with AOF fsynced every second, two gateway instances and a round-robin load balancer', () => {
    const redis = compose.services.redis.command.join(' ');
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--appendfsync everysec/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    const gateways = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(gateways).toHaveLength(2);
    for (const [, s] of gateways) expect(s.environment.REDIS_URL).toBe('redis://redis:6379');
    const haproxy = read('deploy/haproxy.cfg');
    expect(haproxy).toMatch(/balance roundrobin/);
    expect(haproxy).toMatch(/option httpchk GET \/readyz/);
    for (const [name] of gateways) expect(haproxy).toContain(`server ${name} ${name}:4000 check`);
  });

  test('the Dockerfile builds in a stage of its own and runs production dependencies as a non-root user with a health check', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM node:20-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
  });

  const cli = composeCommand();
  (cli ? test : test.skip)('docker compose config accepts the file (with the example environment)', () => {
    const run = spawnSync(cli![0], [...cli!.slice(1), '--env-file', 'deploy/compose.env.example', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });
  if (!cli) console.warn('skipping the docker compose config check: neither `docker compose` nor `docker-compose` is installed');
});
