import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';
import { request } from 'undici';

/**
 * A scrape of GET /metrics, parsed from its text exposition by a Prometheus text-format parser.
 * That parser folds the samples of a labelled histogram into one (their labels and counts are
 * lost), so the histograms' `_count`, `_sum` and `_bucket` series are also read as plain series:
 * the same text with the histograms' TYPE lines removed.
 */
export class Scrape {
  readonly families: PrometheusFamily[];
  private readonly series: PrometheusFamily[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    this.series = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ''));
  }

  family(name: string): PrometheusFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** The samples of a family whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): PrometheusSample[] {
    return (this.family(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** The sum of the matching counters' or gauges' values (0 when there is none). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, m) => sum + Number(m.value), 0);
  }

  /** The sum of the matching histograms' observation counts (their `_count` series). */
  count(name: string, labels: Record<string, string> = {}): number {
    // The parser starts a family again where the series' names alternate (_sum, _count, _sum, …).
    const series = this.series.filter((f) => f.name === `${name}_count`).flatMap((f) => f.metrics);
    return series.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).reduce((sum, m) => sum + Number(m.value), 0);
  }

  /** Every value a label takes in a family. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples(name).map((m) => m.labels?.[label] ?? ''))];
  }
}

/** GET <url>/metrics: the status, content type and (for a 200) the parsed exposition. */
export async function scrape(baseUrl: string, token?: string): Promise<{ status: number; type: string; scrape: Scrape }> {
  const res = await request(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.body.text();
  const type = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, type, scrape: new Scrape(res.statusCode === 200 ? text : '') };
}

/** Scrapes and expects a 200. */
export async function metricsOf(baseUrl: string, token?: string): Promise<Scrape> {
  const answer = await scrape(baseUrl, token);
  if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
  return answer.scrape;
}
