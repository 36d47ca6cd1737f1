import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from './metrics';
import { fewestLoads, lateAllowedByP95, loadsFloorOf, type FloorChat } from './switch-floor';

const at = (arrivalSeconds: number, model: string): FloorChat => ({ arrivalSeconds, model });
const options = { initialModel: 'a', waitLimitSeconds: 10, loadSeconds: 3, lateAllowed: 0 };

describe('the fewest loads any schedule could make', () => {
  it('needs none when every chat is for the model resident at the start', () => {
    expect(fewestLoads([at(0, 'a'), at(5, 'a'), at(50, 'a')], options)).toBe(0);
  });

  it('needs one per change of model when chats for each come far apart', () => {
    expect(fewestLoads([at(0, 'a'), at(100, 'b'), at(200, 'a'), at(300, 'b')], options)).toBe(3);
  });

  it('serves chats whose waits overlap with one switch, made as late as the first of them allows', () => {
    // b's first chat must have its model by 20 (a switch by 17): the chat at 15 waits with it, the one at 18 finds b resident.
    expect(fewestLoads([at(10, 'b'), at(15, 'b'), at(18, 'b')], options)).toBe(1);
    // Staying on a for its chat at 12 costs nothing: the switch for b is still due by 17.
    expect(fewestLoads([at(10, 'b'), at(12, 'a'), at(16, 'b')], options)).toBe(1);
  });

  it('lets the chats the p95 allows to wait longer go without a switch', () => {
    const chats = [at(0, 'a'), at(50, 'b'), at(100, 'a'), at(150, 'b'), at(200, 'a')];
    expect(fewestLoads(chats, options)).toBe(4);
    // One of b's chats waits for the other's visit, or for none.
    expect(fewestLoads(chats, { ...options, lateAllowed: 1 })).toBe(2);
    expect(fewestLoads(chats, { ...options, lateAllowed: 2 })).toBe(0);
  });

  it('counts a chat that arrives while its model is still loading for another as unservable in time', () => {
    // The switch to b starts by 1 and is done at 4: a's chat at 2 cannot have a back before 7 > 2 + 4.
    const chats = [at(0, 'b'), at(2, 'a')];
    expect(fewestLoads(chats, { ...options, waitLimitSeconds: 4, loadSeconds: 3, lateAllowed: 0 })).toBe(Infinity);
    // With one allowed to wait longer, b's chat is that one: nothing switches.
    expect(fewestLoads(chats, { ...options, waitLimitSeconds: 4, loadSeconds: 3, lateAllowed: 1 })).toBe(0);
    // At 6, a's chat can have a again by 10: two loads.
    expect(fewestLoads([at(0, 'b'), at(6, 'a')], { ...options, waitLimitSeconds: 4, loadSeconds: 3, lateAllowed: 0 })).toBe(2);
  });

  it("counts only a workload's interactive jobs: batch and background work asks for no switch of its own", () => {
    const chatsOnA = Array.from({ length: 61 }, (_, i) => ({ lane: 'interactive', arrivalSeconds: i * 10 + 5, model: 'a' }));
    const onB = (lane: string) => [50, 150, 250, 350, 450, 550].map((arrivalSeconds) => ({ lane, arrivalSeconds, model: 'b' }));
    // 67 chats: the p95 lets 4 wait longer, so 2 of b's chats need a visit each, there and back.
    expect(loadsFloorOf([...chatsOnA, ...onB('interactive')], 'a', 3)(10)).toBe(4);
    expect(loadsFloorOf([...chatsOnA, ...onB('batch')], 'a', 3)(10)).toBe(0);
  });

  it('refuses a day with more than two models', () => {
    expect(() => fewestLoads([at(0, 'b'), at(1, 'c')], options)).toThrow(/two models/);
  });

  const day = fc.array(fc.record({ arrivalSeconds: fc.integer({ min: 0, max: 600 }), model: fc.constantFrom('a', 'b') }), { maxLength: 30 });

  it('never needs more loads for a longer wait limit, or with more chats allowed to wait longer', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 4, max: 60 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 }), (chats, limit, extra, late) => {
        const base = fewestLoads(chats, { ...options, waitLimitSeconds: limit, lateAllowed: late });
        expect(fewestLoads(chats, { ...options, waitLimitSeconds: limit + extra, lateAllowed: late })).toBeLessThanOrEqual(base);
        expect(fewestLoads(chats, { ...options, waitLimitSeconds: limit, lateAllowed: late + 1 })).toBeLessThanOrEqual(base);
      }),
    );
  });

  it('is never more than a schedule that switches at each change of model, when chats are a load apart', () => {
    fc.assert(
      fc.property(day, (chats) => {
        const spaced = [...new Set(chats.map((c) => c.arrivalSeconds))].sort((x, y) => x - y).map((t, i) => at(t * 4, chats[i]!.model));
        let changes = 0;
        let model = 'a';
        for (const chat of spaced) if (chat.model !== model) [changes, model] = [changes + 1, chat.model];
        expect(fewestLoads(spaced, options)).toBeLessThanOrEqual(changes);
      }),
    );
  });
});

describe('how many waits a p95 lets exceed its limit', () => {
  it('is a count at which one more wait above the limit always puts the p95 above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (count) => {
        const late = lateAllowedByP95(count);
        expect(late).toBeGreaterThanOrEqual(0);
        if (late + 1 > count) return;
        const waits = Array.from({ length: count }, (_, i) => (i < count - late - 1 ? 1 : 100));
        expect(percentile(waits, 95)).toBeGreaterThan(1);
      }),
    );
    expect(lateAllowedByP95(41)).toBe(2);
  });
});
