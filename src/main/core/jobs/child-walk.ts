/**
 * Work over a parent's children a chunk per event-loop turn (a cancel's sweep, a new priority),
 * so 50,000 children never hold the loop: in child order from where the last chunk ended, since
 * a read from the first child each time passes over every child already done (2.7 s for 50,000).
 */
export interface ChildRef {
  seq: number;
  index: number;
}

export interface ChildWalk {
  /** Up to `limit` children still to do after child `after` (-1: from the first). */
  next(after: number, limit: number): ChildRef[];
  /** Does one chunk (in one transaction). */
  apply(chunk: readonly ChildRef[]): void;
  /** The walk is no longer wanted (closed, superseded). */
  stopped(): boolean;
  /** Once past the last child: whether some may have been left behind the cursor (then one more walk from the first). */
  leftBehind?(): boolean;
  done?(): void;
}

export const CHILD_CHUNK = 500;

export function walkChildren(walk: ChildWalk): void {
  let after = -1;
  let again = walk.leftBehind !== undefined;
  const step = (): void => {
    if (walk.stopped()) return;
    const chunk = walk.next(after, CHILD_CHUNK);
    if (chunk.length > 0) walk.apply(chunk);
    after = chunk.at(-1)?.index ?? after;
    if (chunk.length < CHILD_CHUNK && again && walk.leftBehind!()) {
      again = false;
      after = -1;
    } else if (chunk.length < CHILD_CHUNK) {
      walk.done?.();
      return;
    }
    setImmediate(step);
  };
  step();
}
