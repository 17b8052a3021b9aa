/**
 * The order servers are measured in, round by round. A server's run can inherit what the run
 * before it left behind (that server's garbage collection, its closing connections), so a
 * rotation (A B C, B C A, …), which keeps every server right after the same neighbour in every
 * round, biases a scenario by that neighbour. Round i is row i of a Williams design (a balanced
 * Latin square) instead: over n rounds of an even number n of servers, each server runs right
 * after every other exactly once, and each takes each position once.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  // First row 0, 1, n-1, 2, n-2, …; row i adds i to each (mod n).
  const first = Array.from({ length: n }, (_, k) => (k === 0 ? 0 : k % 2 ? (k + 1) / 2 : n - k / 2));
  return first.map((j) => items[(j + round) % n]!);
}
