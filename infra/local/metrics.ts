// CloudWatch's side of Embedded Metric Format: in AWS, a log line of a function that carries an
// `_aws.CloudWatchMetrics` directive becomes metric data points (the namespace, dimension sets and
// metric names the directive lists, the values from the line's own fields). The local runtime hands
// every such line here; the stack serves the points at GET /_local/metrics, so a test can check
// that a function emitted the metric a dashboard or alarm would read.
//
// Not emulated: aggregation into statistics, storage resolution, metric retention; the last
// MAX_POINTS points are kept in memory.

export interface MetricPoint {
  functionName: string;
  namespace: string;
  name: string;
  unit?: string;
  value: number;
  dimensions: Record<string, string>;
  timestamp: number;
}

interface Directive {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

const MAX_POINTS = 10_000;

export class LocalMetrics {
  private readonly points: MetricPoint[] = [];

  /** A function's log line: its data points if it is an EMF document, nothing otherwise. */
  fromLogLine(functionName: string, line: string): void {
    if (!line.includes('"_aws"')) return;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line);
    } catch {
      return;
    }
    const meta = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
    if (!meta || !Array.isArray(meta.CloudWatchMetrics)) return;
    const timestamp = typeof meta.Timestamp === 'number' ? meta.Timestamp : Date.now();
    for (const directive of meta.CloudWatchMetrics as Directive[]) {
      if (typeof directive?.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
      const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : [[]];
      for (const definition of directive.Metrics as Array<{ Name?: unknown; Unit?: unknown }>) {
        if (typeof definition?.Name !== 'string') continue;
        for (const value of [doc[definition.Name]].flat()) {
          if (typeof value !== 'number') continue;
          for (const set of sets) {
            const dimensions: Record<string, string> = {};
            for (const key of Array.isArray(set) ? set : [])
              if (typeof doc[key] === 'string') dimensions[key] = doc[key] as string;
            this.points.push({
              functionName,
              namespace: directive.Namespace,
              name: definition.Name,
              ...(typeof definition.Unit === 'string' ? { unit: definition.Unit } : {}),
              value,
              dimensions,
              timestamp,
            });
          }
        }
      }
    }
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
  }

  /** The points of metric `name` (all when omitted), oldest first. */
  query(name?: string): MetricPoint[] {
    return name ? this.points.filter((p) => p.name === name) : [...this.points];
  }
}
