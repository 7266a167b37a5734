// The report an import writes next to its file (`imports/<name>.jsonl.report.json`): rewritten
// while the import runs (status RUNNING), then once more as COMPLETED or FAILED.

export type ImportStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

interface LineIssue {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** s3://bucket/key of the imported file. */
  source: string;
  status: ImportStatus;
  startedAt: string;
  finishedAt?: string;
  /** Lines read so far (blank ones included: line numbers are physical lines). */
  lines: number;
  /** Blank lines, skipped silently. */
  empty: number;
  /** Valid lines not applied because a later line of the file sets the same key (it wins). */
  duplicates: number;
  /** Users: written, or already stored with the same content. */
  users: { written: number; unchanged: number };
  /** Pairs: written (one or both edges), unchanged, skipped (blocked); edgesWritten counts items. */
  friendships: { written: number; unchanged: number; skipped: number; edgesWritten: number };
  /** The first `maxListed` malformed lines, in file order; malformedCount is exact. */
  malformed: LineIssue[];
  malformedCount: number;
  /** Valid lines not applied (reason "blocked": a stored edge of the pair has a block), capped like malformed. */
  skipped: LineIssue[];
  durationMs: number;
  /**
   * Peak memory sampled during the run. heapUsed is this execution environment's own V8 heap;
   * rss is the whole process (locally every function's worker thread shares one process).
   */
  peakRssBytes: number;
  peakHeapBytes: number;
  /** Memory outside the JS heap (buffers, typed arrays such as the pass-1 index), this environment's own. */
  peakExternalBytes: number;
  /** Why the import failed (status FAILED). */
  error?: string;
}

export const MAX_LISTED_ISSUES = 10_000;

/** Collects counts and issues; `snapshot` gives the report to store. */
export class ReportBuilder {
  private readonly report: ImportReport;
  private readonly started: number;

  constructor(
    source: string,
    private readonly now: () => Date,
    private readonly maxListed = MAX_LISTED_ISSUES,
  ) {
    const startedAt = now();
    this.started = startedAt.getTime();
    this.report = {
      source,
      status: 'RUNNING',
      startedAt: startedAt.toISOString(),
      lines: 0,
      empty: 0,
      duplicates: 0,
      users: { written: 0, unchanged: 0 },
      friendships: { written: 0, unchanged: 0, skipped: 0, edgesWritten: 0 },
      malformed: [],
      malformedCount: 0,
      skipped: [],
      durationMs: 0,
      peakRssBytes: 0,
      peakHeapBytes: 0,
      peakExternalBytes: 0,
    };
  }

  /** The live counters (the importer adds to them). */
  get counts(): Pick<ImportReport, 'users' | 'friendships'> & { lines: number; empty: number; duplicates: number } {
    return this.report;
  }

  malformed(line: number, reason: string): void {
    this.report.malformedCount++;
    if (this.report.malformed.length < this.maxListed) this.report.malformed.push({ line, reason });
  }

  blocked(line: number): void {
    this.report.friendships.skipped++;
    if (this.report.skipped.length < this.maxListed) this.report.skipped.push({ line, reason: 'blocked' });
  }

  memory(peak: { rss: number; heapUsed: number; external: number }): void {
    this.report.peakRssBytes = peak.rss;
    this.report.peakHeapBytes = peak.heapUsed;
    this.report.peakExternalBytes = peak.external;
  }

  snapshot(status: ImportStatus, error?: string): ImportReport {
    const now = this.now();
    this.report.status = status;
    this.report.durationMs = now.getTime() - this.started;
    if (status === 'RUNNING') delete this.report.finishedAt;
    else this.report.finishedAt = now.toISOString();
    if (error !== undefined) this.report.error = error;
    return structuredClone(this.report);
  }
}
