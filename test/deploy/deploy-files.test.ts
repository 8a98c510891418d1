import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { MemoryBroker } from '../../src/index.ts';
import { createExporterMetrics } from '../../src/metrics/index.ts';

const DASHBOARD = new URL('../../deploy/grafana/celeriac-dashboard.json', import.meta.url);
const ALERTS = new URL('../../deploy/prometheus/celeriac-alerts.yml', import.meta.url);
const ALERT_TESTS = new URL('../../deploy/prometheus/celeriac-alerts.test.yml', import.meta.url);
/** Prometheus' own checker, when installed: it is no dependency of the project. */
const promtool = spawnSync('promtool', ['--version']).status === 0;
/** Labels Prometheus adds to every series it scrapes, and the bucket bound of histograms. */
const TARGET_LABELS = ['job', 'instance'];

interface AlertRule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}

/** The exporter's metrics as it registers them: name, type and label names. */
async function emitted(): Promise<Map<string, { type: string; labels: string[] }>> {
  const { registry } = createExporterMetrics(new MemoryBroker());
  const metrics = await registry.getMetricsAsJSON();
  return new Map(
    metrics.map((m) => {
      const labelNames = (registry.getSingleMetric(m.name) as { labelNames?: string[] }).labelNames;
      return [m.name, { type: String(m.type), labels: labelNames ?? [] }];
    }),
  );
}

/** Every `celeriac_*` selector in a PromQL text: its metric name and the labels it matches on. */
function selectors(promql: string): Array<{ name: string; labels: string[] }> {
  const found: Array<{ name: string; labels: string[] }> = [];
  for (const match of promql.matchAll(/\b(celeriac_[a-zA-Z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels = [...(match[3] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]);
    found.push({ name: match[1] as string, labels: labels as string[] });
  }
  return found;
}

/** Checks each selector against the registry; returns the problems, one line each. */
function problems(
  promql: string[],
  metrics: Map<string, { type: string; labels: string[] }>,
): string[] {
  const out: string[] = [];
  for (const { name, labels } of promql.flatMap(selectors)) {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const metric =
      metrics.get(name) ??
      (metrics.get(base)?.type === 'histogram' ? metrics.get(base) : undefined);
    if (!metric) {
      out.push(`${name} is not emitted by the exporter`);
      continue;
    }
    const known = [...metric.labels, ...TARGET_LABELS, ...(name.endsWith('_bucket') ? ['le'] : [])];
    for (const label of labels)
      if (!known.includes(label)) out.push(`${name} has no label "${label}"`);
  }
  return out;
}

describe('deploy/', () => {
  it('the Grafana dashboard parses and queries only metrics the exporter emits', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const panels = dashboard.panels as Array<{ title: string; targets: Array<{ expr: string }> }>;
    const exprs = panels.flatMap((p) => p.targets.map((t) => t.expr));
    const variables = (dashboard.templating.list as Array<{ definition?: string }>).flatMap((v) =>
      v.definition ? [v.definition] : [],
    );
    expect(exprs.length).toBeGreaterThanOrEqual(9);
    expect(panels.every((p) => p.targets.length > 0)).toBe(true);
    expect(problems([...exprs, ...variables], await emitted())).toEqual([]);
    // Each panel the dashboard promises is there.
    const titles = panels.map((p) => p.title).join('\n');
    for (const topic of [
      'Throughput by state',
      'Failure ratio',
      'Runtime p50 / p95 / p99',
      'Time in queue p95',
      'Queue depth by state',
      'Workers per queue',
      'Retries',
      'Rate-limit deferrals',
      'Exceptions by type',
    ])
      expect(titles).toContain(topic);
  });

  it('the alert rules parse, are complete, and use only metrics the exporter emits', async () => {
    const file = parse(readFileSync(ALERTS, 'utf8')) as {
      groups: Array<{ name: string; rules: AlertRule[] }>;
    };
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'CeleriacBacklogGrowing',
        'CeleriacHighFailureRatio',
        'CeleriacTimeInQueueHigh',
        'CeleriacNoWorkersForQueue',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr, `${rule.alert}: expr`).toEqual(expect.any(String));
      expect(rule.for, `${rule.alert}: for`).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], `${rule.alert}: severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert}: summary`).toEqual(expect.any(String));
    }
    const exprs = rules.map((r) => r.expr as string);
    expect(problems(exprs, await emitted())).toEqual([]);
    // Every alert but the scrape-target one reads Celeriac's metrics.
    expect(
      rules.filter((r) => selectors(r.expr as string).length === 0).map((r) => r.alert),
    ).toEqual(['CeleriacWorkerDown']);
  });

  it('catches a metric the exporter does not emit, or a label it does not have', async () => {
    const metrics = await emitted();
    expect(
      problems(
        [
          'rate(celeriac_tasks_total{status="failed"}[5m])',
          'celeriac_queue_depth',
          'celeriac_task_runtime_seconds_bucket{le="1"}',
          'celeriac_tasks_total_count',
        ],
        metrics,
      ),
    ).toEqual([
      'celeriac_tasks_total has no label "status"',
      'celeriac_queue_depth is not emitted by the exporter',
      'celeriac_tasks_total_count is not emitted by the exporter',
    ]);
  });
});

const underPromtool = `deploy/ under promtool${promtool ? '' : ' (skipped: promtool is not installed)'}`;
describe.skipIf(!promtool)(underPromtool, () => {
  it('the alert rules pass their unit tests', () => {
    const run = spawnSync('promtool', ['test', 'rules', ALERT_TESTS.pathname], {
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it("the dashboard's queries are valid PromQL", () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const exprs = (dashboard.panels as Array<{ targets: Array<{ expr: string }> }>).flatMap((p) =>
      p.targets.map((t) => t.expr.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, '.*')),
    );
    // An empty rules file and one expression test per query: promtool parses each one.
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-promql-'));
    try {
      writeFileSync(join(dir, 'empty.yml'), 'groups: []\n');
      const tests = exprs.map((expr) => ({ expr, eval_time: '1m', exp_samples: [] }));
      const file = {
        rule_files: ['empty.yml'],
        tests: [{ input_series: [], promql_expr_test: tests }],
      };
      writeFileSync(join(dir, 'queries.test.yml'), stringify(file));
      const run = spawnSync('promtool', ['test', 'rules', join(dir, 'queries.test.yml')], {
        encoding: 'utf8',
      });
      expect(run.stdout + run.stderr).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
