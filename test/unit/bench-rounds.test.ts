/** The bench's round order: no server always runs right after the same neighbour. */
import { roundOrder } from '../../bench/lib/rounds.js';

const followers = (n: number, rounds: number) => {
  const servers = Array.from({ length: n }, (_, i) => i);
  const pairs = new Map<string, number>();
  const positions = servers.map(() => new Set<number>());
  for (let r = 0; r < rounds; r += 1) {
    const order = roundOrder(servers, r);
    expect([...order].sort((a, b) => a - b)).toEqual(servers);
    order.forEach((s, position) => positions[s]!.add(position));
    for (let k = 1; k < n; k += 1) {
      const key = `${order[k - 1]}→${order[k]}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
  }
  return { pairs, positions };
};

describe('bench round order', () => {
  it.each([2, 4, 6, 10])('over as many rounds as servers (%i), each runs after every other once', (n) => {
    const { pairs, positions } = followers(n, n);
    expect(pairs.size).toBe(n * (n - 1));
    expect([...pairs.values()].every((count) => count === 1)).toBe(true);
    expect(positions.every((p) => p.size === n)).toBe(true);
  });

  it('unlike a rotation, which keeps the same neighbour every round', () => {
    const servers = ['a', 'b', 'c', 'd'];
    const rotation = (r: number) => servers.map((_, k) => servers[(k + r) % servers.length]!);
    const after = (order: string[], s: string) => order[order.indexOf(s) - 1];
    const byRotation = new Set([1, 2, 3].map((r) => after(rotation(r), 'b')).filter(Boolean));
    const byDesign = new Set([0, 1, 2, 3].map((r) => after(roundOrder(servers, r), 'b')).filter(Boolean));
    expect(byRotation.size).toBe(1);
    expect(byDesign.size).toBe(3);
  });
});
