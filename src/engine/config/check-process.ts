/**
 * The live checker: `child_process.fork(dist/check.js)` from the extension host, one per window.
 * Each request is an experiment file's text; the reply is what `checkConfigText` finds in it (the
 * same validator and wording as a run's start). It holds no state, so the host may kill it at will.
 */
import { isConfigCheckRequest, type ConfigCheckReply } from '../../shared/config-check';
import { checkConfigText } from './validate';

process.on('message', (raw: unknown) => {
  if (!isConfigCheckRequest(raw)) return;
  let reply: ConfigCheckReply;
  try {
    const result = checkConfigText(raw.text);
    reply = { id: raw.id, issues: result.ok ? [] : result.issues };
  } catch (e) {
    reply = { id: raw.id, issues: [], error: e instanceof Error ? e.message : String(e) };
  }
  process.send?.(reply);
});
// The host went away: nothing to finish.
process.on('disconnect', () => process.exit(0));
