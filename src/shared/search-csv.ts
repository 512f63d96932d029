/**
 * Every trial of a search as CSV (RFC 4180: comma-separated, fields with a comma, quote or line
 * break quoted, quotes doubled, CRLF line ends): its values, metric, state, epochs and run folder.
 * The host writes it where the user asks (the search view's "Export CSV…").
 */
import type { SearchView } from './search-view';

function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity') : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function trialsCsv(view: Pick<SearchView, 'space' | 'trials' | 'metric' | 'bestTrial'>): string {
  const head = ['trial', 'id', 'round', 'state', ...view.space.map((d) => d.path), view.metric, 'metricName', 'epoch', 'epochs', 'best', 'bracket', 'pausedAtRung', 'promotions', 'runDir', 'note', 'error'];
  const rows = view.trials.map((t) => [
    t.name, t.id, t.round + 1, t.state, ...view.space.map((d) => t.values[d.path]), t.metric, t.metricName, t.epoch, t.epochs,
    t.id === view.bestTrial ? 1 : 0, t.bracket, t.pausedAtRung === undefined ? undefined : t.pausedAtRung + 1,
    (t.promotions ?? []).map((p) => `${p.rung + 1}@${p.epoch}${p.by === 'user' ? ' by hand' : ''}`).join(' '), t.runDir, t.note, t.error,
  ]);
  return [head, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
