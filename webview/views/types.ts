import type { RunView } from '../../src/shared/run-view';
import type { SearchView } from '../../src/shared/search-view';
import type { ViewSettings } from '../../src/shared/webview-protocol';
import type { Theme } from '../theme';

/** What a view draws from: the run(s) from the host, settings, and the UI state the user chose. */
export interface Model {
  view: RunView | null;
  compare: RunView[];
  settings: ViewSettings;
  beta: number;
  logScale: boolean;
  /**
   * Bumped when data was replaced rather than appended (a snapshot, a compare message, a resumed
   * run re-sending iterations): incremental caches start over.
   */
  version: number;
}

/** What the search view draws from: the search from the host (webview/search). */
export interface SearchModel {
  view: SearchView | null;
  /** Bumped when the view was replaced (a snapshot): everything is drawn again. */
  version: number;
}

/** A view mounted in the page: it draws its model (run views: `Model`, the search view: `SearchModel`). */
export interface Mounted<M = Model> {
  /** Draws the model; returns the number of points drawn (for the `rendered` / `searchRendered` message). */
  render(model: M): number;
  /**
   * What a click waits for (run state, controls, learning rate, header), drawn at once when such an
   * event arrives: the full render is rate-limited and can lag by up to a second on a busy machine.
   */
  renderControls?(model: M): void;
  setTheme(theme: Theme): void;
}

export interface Hooks {
  setBeta(beta: number, done: boolean): void;
  setLog(log: boolean): void;
  savePng(chart: string, dataUrl: string): void;
  exportCsv(): void;
}
