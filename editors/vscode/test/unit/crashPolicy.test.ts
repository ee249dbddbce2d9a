// When to restart a server that ended (src/crashPolicy.ts), on a fake clock.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { CrashPolicy, MAX_RESTARTS, RESTART_WINDOW_MS } from "../../src/crashPolicy";

test("a server that never finished starting is not restarted and not announced here", () => {
  const d = new CrashPolicy(() => 0).closed(false);
  assert.equal(d.restart, false);
  assert.equal(d.notify, undefined, "the Controller explains a failed start");
});

test("4 restarts within 3 minutes, then give up with a message that says what to do", () => {
  let now = 1_000_000;
  const p = new CrashPolicy(() => now);
  for (let i = 1; i <= MAX_RESTARTS; i++) {
    const d = p.closed(true);
    assert.deepEqual([d.restart, d.notify], [true, undefined], `crash ${i}`);
    assert.match(d.log, new RegExp(`restarting it \\(${i} of 4\\)`));
    now += 10_000;
  }
  const last = p.closed(true);
  assert.equal(last.restart, false);
  assert.match(last.notify ?? "", /ended 5 times in 3 minutes, so it is not restarted again/);
  assert.match(last.notify ?? "", /Output panel \("Automat Language Server"\)/);
});

test("crashes older than the window are forgotten", () => {
  let now = 0;
  const p = new CrashPolicy(() => now);
  for (let i = 0; i < 20; i++) {
    assert.equal(p.closed(true).restart, true, `crash ${i} at ${now} ms`);
    now += RESTART_WINDOW_MS / MAX_RESTARTS; // exactly 4 per window: never more
  }
});
