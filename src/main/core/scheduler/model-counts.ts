/**
 * Requests in flight per model. The policy reads it for each resident model on every decision,
 * and LM Studio holds a handful of models at most, so the counters sit in a short list searched
 * in order (cheaper than a hash lookup for a few keys); the forecast holds each model's counter
 * and counts on it directly, two counts per queued job.
 */
export class ModelCounts {
  private readonly models: string[] = [];
  private readonly cells: { n: number }[] = [];

  get(model: string): number {
    const i = this.models.indexOf(model);
    return i < 0 ? 0 : this.cells[i]!.n;
  }

  add(model: string, delta: number): void {
    this.cellOf(model).n += delta;
  }

  /** The model's counter itself, for a caller that counts on it many times. */
  cellOf(model: string): { n: number } {
    const i = this.models.indexOf(model);
    if (i >= 0) return this.cells[i]!;
    const cell = { n: 0 };
    this.models.push(model);
    this.cells.push(cell);
    return cell;
  }
}
