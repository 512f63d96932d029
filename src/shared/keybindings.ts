/**
 * Default keys of the dashboard's run controls, as package.json's `keybindings` declare them (while
 * a dashboard is the active webview panel). The webview cannot ask VS Code for keybindings, so the
 * tooltips read them from here; test/host/newcomer.test.ts keeps the two in step.
 */
export const DASHBOARD_KEYS = {
  /** Pause while running, Resume while paused (two bindings, exclusive `when` clauses). */
  pauseResume: 'F5',
  /** One iteration, then pause. */
  step: 'F10',
} as const;

/** "Pause training (F5)". */
export function withKey(title: string, key: string): string {
  return `${title} (${key})`;
}
