/*
 * A fixed piece of CPU work (JSON round trips of a chat-message-sized object
 * for one second), run pinned to each core before and after the bench. On a
 * shared virtual machine the same code runs faster or slower from hour to
 * hour; this index lets two BENCHMARKS.md be compared fairly.
 */
const message = { id: '0b7c6c1e-8a8e-4c4e-9d2a-6f1f1d7e2a11', seq: 123456, body: 'the quick brown fox jumps over the lazy dog'.repeat(2), createdAt: new Date(0).toISOString() };
const end = performance.now() + 1_000;
let rounds = 0;
while (performance.now() < end) {
  for (let i = 0; i < 1_000; i++) JSON.parse(JSON.stringify(message));
  rounds += 1_000;
}
console.log(rounds);
