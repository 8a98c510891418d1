import parsePrometheusTextFormat, {
  type PrometheusFamily,
  type PrometheusSample,
} from 'parse-prometheus-text-format';

/**
 * One `/metrics` exposition parsed by parse-prometheus-text-format. That parser merges every
 * series of a labelled histogram into one, so series are also read from a second parse in
 * which histograms are untyped: `x_bucket`, `x_sum` and `x_count` then parse as samples of
 * their own, labels and all.
 */
export class Exposition {
  /** The families as served, with their types. */
  readonly families: PrometheusFamily[];
  readonly #series: PrometheusFamily[];

  constructor(text: string) {
    // The parser drops the last sample when the text does not end with a newline.
    const complete = text.endsWith('\n') ? text : `${text}\n`;
    this.families = parsePrometheusTextFormat(complete);
    this.#series = parsePrometheusTextFormat(
      complete.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'),
    );
  }

  /** Names of every family served. */
  names(): string[] {
    return this.families.map((f) => f.name);
  }

  /** The type of the family `name`, e.g. `COUNTER`; throws when it is not served. */
  type(name: string): string {
    const found = this.families.find((f) => f.name === name);
    if (!found) throw new Error(`no metric ${name} in: ${this.names().join(', ')}`);
    return found.type;
  }

  /** Every sample of `name` (or `x_count`, `x_bucket`...) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): PrometheusSample[] {
    // Series of an untyped histogram interleave (bucket, sum, count, then the next series'),
    // so one name comes back as several families.
    const all = this.#series.filter((f) => f.name === name).flatMap((f) => f.metrics);
    return all.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  /** The value of the one sample of `name` with exactly these labels, or undefined. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const exact = this.samples(name, labels).filter(
      (m) => Object.keys(m.labels ?? {}).length === Object.keys(labels).length,
    );
    if (exact.length > 1) throw new Error(`${exact.length} samples of ${name} match`);
    return exact[0]?.value === undefined ? undefined : Number(exact[0].value);
  }

  /** Observations of a histogram series with exactly these labels, or undefined. */
  count(name: string, labels: Record<string, string>): number | undefined {
    return this.value(`${name}_count`, labels);
  }

  /** The cumulative count of a histogram series' bucket `le`. */
  bucket(name: string, labels: Record<string, string>, le: string): number | undefined {
    return this.value(`${name}_bucket`, { ...labels, le });
  }
}

/** Fetches `url` and returns its status, body and content type. */
export async function get(url: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: await res.text(),
    type: res.headers.get('content-type') ?? '',
  };
}

/** Scrapes `<base>/metrics` and parses it. */
export async function scrape(base: string): Promise<Exposition> {
  const { status, body } = await get(`${base}/metrics`);
  if (status !== 200) throw new Error(`/metrics answered ${status}: ${body}`);
  return new Exposition(body);
}
