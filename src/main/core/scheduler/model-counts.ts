/**
 * Requests in flight per model. The policy reads it for each resident model on every decision,
 * nearly always for the model of the last call, so that model's cell is kept at hand (a
 * comparison instead of a hash lookup); the forecast holds each model's cell and counts on it
 * directly, two counts per queued job.
 */
export class ModelCounts {
  private readonly cells = new Map<string, { n: number }>();
  private lastModel: string | null = null;
  private lastCell: { n: number } = { n: 0 };

  get(model: string): number {
    if (model === this.lastModel) return this.lastCell.n;
    const cell = this.cells.get(model);
    if (!cell) return 0;
    this.lastModel = model;
    this.lastCell = cell;
    return cell.n;
  }

  add(model: string, delta: number): void {
    this.cellOf(model).n += delta;
  }

  /** The model's counter itself, for a caller that counts on it many times. */
  cellOf(model: string): { n: number } {
    let cell = this.cells.get(model);
    if (!cell) this.cells.set(model, (cell = { n: 0 }));
    return cell;
  }
}
