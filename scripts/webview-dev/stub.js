// Stands in for VS Code around the webview on the dev page (served by dev.mjs, loaded with the
// page's nonce before dist/webview.js): theme variables and body classes like VS Code sets them,
// `acquireVsCodeApi`, and a fake host that answers `ready` with a snapshot and streams deltas.
// It reads the run data from window.__GL_FEED (feed.js, written by dev.mjs).
(function () {
  'use strict';

  const THEMES = {
    dark: {
      kind: 'vscode-dark',
      vars: {
        'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
        'font-size': '13px',
        'font-weight': 'normal',
        'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
        foreground: '#cccccc',
        descriptionForeground: '#9d9d9d',
        'editor-background': '#1f1f1f',
        'editor-foreground': '#cccccc',
        'editorWidget-background': '#202020',
        'widget-border': '#313131',
        'panel-background': '#181818',
        'panel-border': '#2b2b2b',
        'sideBar-background': '#181818',
        'button-background': '#0078d4',
        'button-foreground': '#ffffff',
        'button-hoverBackground': '#026ec1',
        'button-border': '#ffffff12',
        'button-secondaryBackground': '#313131',
        'button-secondaryForeground': '#cccccc',
        'button-secondaryHoverBackground': '#3c3c3c',
        'badge-background': '#616161',
        'badge-foreground': '#f8f8f8',
        'input-background': '#313131',
        'input-foreground': '#cccccc',
        'input-border': '#3c3c3c',
        'input-placeholderForeground': '#989898',
        focusBorder: '#0078d4',
        'checkbox-background': '#313131',
        'checkbox-border': '#3c3c3c',
        'checkbox-foreground': '#cccccc',
        'dropdown-background': '#313131',
        'dropdown-border': '#3c3c3c',
        'dropdown-foreground': '#cccccc',
        'charts-foreground': '#cccccc',
        'charts-lines': '#cccccc80',
        'charts-red': '#f14c4c',
        'charts-blue': '#3794ff',
        'charts-yellow': '#cca700',
        'charts-orange': '#d18616',
        'charts-green': '#89d185',
        'charts-purple': '#b180d7',
        errorForeground: '#f85149',
        'editorError-foreground': '#f14c4c',
        'editorWarning-foreground': '#cca700',
        'editorInfo-foreground': '#3794ff',
        'inputValidation-errorBackground': '#5a1d1d',
        'inputValidation-errorBorder': '#be1100',
        'inputValidation-errorForeground': '#cccccc',
        'list-hoverBackground': '#2a2d2e',
        'textLink-foreground': '#4daafc',
        'textLink-activeForeground': '#4daafc',
        'progressBar-background': '#0078d4',
        'scrollbarSlider-background': '#79797966',
        'scrollbarSlider-hoverBackground': '#646464b3',
        'scrollbarSlider-activeBackground': '#bfbfbf66',
        'settings-dropdownListBorder': '#3c3c3c',
        'toolbar-hoverBackground': '#5a5d5e50',
        'icon-foreground': '#cccccc',
      },
    },
    light: {
      kind: 'vscode-light',
      vars: {
        'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
        'font-size': '13px',
        'font-weight': 'normal',
        'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
        foreground: '#3b3b3b',
        descriptionForeground: '#6f6f6f',
        'editor-background': '#ffffff',
        'editor-foreground': '#3b3b3b',
        'editorWidget-background': '#f8f8f8',
        'widget-border': '#e5e5e5',
        'panel-background': '#f8f8f8',
        'panel-border': '#e5e5e5',
        'sideBar-background': '#f8f8f8',
        'button-background': '#005fb8',
        'button-foreground': '#ffffff',
        'button-hoverBackground': '#0258a8',
        'button-border': '#0000001a',
        'button-secondaryBackground': '#e5e5e5',
        'button-secondaryForeground': '#3b3b3b',
        'button-secondaryHoverBackground': '#cccccc',
        'badge-background': '#cccccc',
        'badge-foreground': '#3b3b3b',
        'input-background': '#ffffff',
        'input-foreground': '#3b3b3b',
        'input-border': '#cecece',
        'input-placeholderForeground': '#767676',
        focusBorder: '#005fb8',
        'checkbox-background': '#f8f8f8',
        'checkbox-border': '#cecece',
        'checkbox-foreground': '#3b3b3b',
        'dropdown-background': '#ffffff',
        'dropdown-border': '#cecece',
        'dropdown-foreground': '#3b3b3b',
        'charts-foreground': '#616161',
        'charts-lines': '#61616180',
        'charts-red': '#e51400',
        'charts-blue': '#1a85ff',
        'charts-yellow': '#bf8803',
        'charts-orange': '#d18616',
        'charts-green': '#388a34',
        'charts-purple': '#652d90',
        errorForeground: '#f85149',
        'editorError-foreground': '#e51400',
        'editorWarning-foreground': '#bf8803',
        'editorInfo-foreground': '#1a85ff',
        'inputValidation-errorBackground': '#f2dede',
        'inputValidation-errorBorder': '#be1100',
        'inputValidation-errorForeground': '#3b3b3b',
        'list-hoverBackground': '#f2f2f2',
        'textLink-foreground': '#005fb8',
        'textLink-activeForeground': '#005fb8',
        'progressBar-background': '#005fb8',
        'scrollbarSlider-background': '#64646466',
        'scrollbarSlider-hoverBackground': '#646464b3',
        'scrollbarSlider-activeBackground': '#00000099',
        'settings-dropdownListBorder': '#cecece',
        'toolbar-hoverBackground': '#b8b8b850',
        'icon-foreground': '#3b3b3b',
      },
    },
    hc: {
      kind: 'vscode-high-contrast',
      vars: {
        'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
        'font-size': '13px',
        'font-weight': 'normal',
        'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
        foreground: '#ffffff',
        descriptionForeground: '#ffffffb3',
        'editor-background': '#000000',
        'editor-foreground': '#ffffff',
        'editorWidget-background': '#0c141f',
        'widget-border': '#6fc3df',
        'panel-background': '#000000',
        'panel-border': '#6fc3df',
        'sideBar-background': '#000000',
        contrastBorder: '#6fc3df',
        contrastActiveBorder: '#f38518',
        'button-background': '#000000',
        'button-foreground': '#ffffff',
        'button-border': '#6fc3df',
        'button-secondaryForeground': '#ffffff',
        'badge-background': '#000000',
        'badge-foreground': '#ffffff',
        'input-background': '#000000',
        'input-foreground': '#ffffff',
        'input-border': '#6fc3df',
        'input-placeholderForeground': '#ffffffb3',
        focusBorder: '#f38518',
        'checkbox-background': '#000000',
        'checkbox-border': '#6fc3df',
        'checkbox-foreground': '#ffffff',
        'dropdown-background': '#000000',
        'dropdown-border': '#6fc3df',
        'dropdown-foreground': '#ffffff',
        'charts-foreground': '#ffffff',
        'charts-lines': '#ffffff80',
        'charts-red': '#f48771',
        'charts-blue': '#75beff',
        'charts-yellow': '#ffd700',
        // No charts-orange: VS Code leaves it unset in high-contrast themes (it derives from the
        // find-match highlight, null there), and the page must not rely on it.
        'charts-green': '#89d185',
        'charts-purple': '#d8a5ff',
        errorForeground: '#f48771',
        'editorError-foreground': '#f48771',
        'editorWarning-foreground': '#ffd700',
        'editorInfo-foreground': '#75beff',
        'inputValidation-errorBackground': '#000000',
        'inputValidation-errorBorder': '#f48771',
        'list-hoverBackground': '#000000',
        'textLink-foreground': '#21a6ff',
        'textLink-activeForeground': '#21a6ff',
        'settings-dropdownListBorder': '#6fc3df',
        'icon-foreground': '#ffffff',
      },
    },
  };

  let applied = [];
  function setTheme(name) {
    const t = THEMES[name] || THEMES.dark;
    const root = document.documentElement;
    for (const k of applied) root.style.removeProperty(k);
    applied = [];
    for (const [k, v] of Object.entries(t.vars)) {
      root.style.setProperty('--vscode-' + k, v);
      applied.push('--vscode-' + k);
    }
    // Variables first, then the class: the webview re-reads them when the class changes.
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast', 'vscode-high-contrast-light');
    document.body.classList.add(t.kind);
    document.body.setAttribute('data-vscode-theme-kind', t.kind);
  }

  const params = new URLSearchParams(location.search);
  setTheme(params.get('theme') || 'dark');

  const revive = (v) => {
    if (Array.isArray(v)) return v.map(revive);
    if (!v || typeof v !== 'object') return v;
    if (Array.isArray(v.$f64)) return Float64Array.from(v.$f64, (x) => (x === null ? NaN : x));
    for (const k of Object.keys(v)) v[k] = revive(v[k]);
    return v;
  };
  const feed = revive(window.__GL_FEED);
  const posted = [];
  const csp = [];
  window.__posted = posted;
  window.__csp = csp;
  window.__setTheme = setTheme;
  document.addEventListener('securitypolicyviolation', (e) => {
    csp.push(`${e.violatedDirective}: ${e.blockedURI || '(inline)'} ${e.sourceFile || ''}:${e.lineNumber || ''}`);
  });

  const view = document.body.getAttribute('data-view') || 'dashboard';
  const intervalMs = Number(params.get('interval') || 100);

  function toWebview(message) {
    // The host posts encodeNonFinite(message) through JSON, like Webview.postMessage does.
    const data = JSON.parse(JSON.stringify(message));
    setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data })), 0);
  }

  let iteration = 0;
  let epoch = 0;
  let streaming = false;
  function stream(source, runId) {
    if (streaming) return;
    streaming = true;
    const batches = source.slice();
    const tick = () => {
      const b = batches.shift();
      if (!b) {
        window.__streamDone = true;
        return;
      }
      for (const e of b) {
        if (e.type === 'metrics') {
          iteration = e.firstIteration + e.costs.length - 1;
          epoch = e.epoch;
        }
      }
      toWebview({ type: 'events', runId, events: b });
      setTimeout(tick, intervalMs);
    };
    setTimeout(tick, intervalMs);
  }

  // A fake host: enough to click through the controls on the dev page.
  let looks = 2;
  let lr = 0.001;
  function hostEvent(e) {
    toWebview({ type: 'events', runId: feed.snapshot.runId, events: [e] });
  }

  window.acquireVsCodeApi = function () {
    let state = JSON.parse(window.sessionStorage.getItem('gl-state-' + view) || 'null');
    return {
      postMessage(msg) {
        posted.push(msg);
        if (msg.type !== 'rendered') console.log('[host] ←', JSON.stringify(msg).slice(0, 160));
        switch (msg.type) {
          case 'ready':
            if (params.get('empty')) {
              toWebview({ type: 'empty', message: 'No run selected. Start training an experiment (*.nn.json) or pick a run in the Runs list.' });
            } else if (view === 'diagnose') {
              toWebview({ type: 'diagnoseState', state: feed.diagnose });
            } else if (view === 'compare') {
              toWebview({ type: 'compare', views: feed.compare, settings: feed.settings });
              stream(feed.compareBatches, feed.compare[2].runId);
            } else {
              toWebview({ type: 'snapshot', view: feed.snapshot, settings: feed.settings, compact: view === 'sidebar' });
              stream(feed.batches, feed.snapshot.runId);
            }
            break;
          case 'control':
            if (msg.command === 'pause') hostEvent({ type: 'state', state: 'paused', iteration, epoch, reason: 'Paused by the user' });
            if (msg.command === 'resume') hostEvent({ type: 'state', state: 'running', iteration, epoch });
            if (msg.command === 'stop') hostEvent({ type: 'state', state: 'stopped', iteration, epoch, reason: 'Stopped by the user' });
            if (msg.command === 'evaluateTest') {
              looks += 1;
              hostEvent({ type: 'testResult', iteration, cost: 0.21, error: 0.09, looks });
            }
            if (msg.command === 'gradientCheck') {
              const r = JSON.parse(JSON.stringify(feed.gradCheck));
              r.id = 'gc-' + Date.now();
              r.iteration = iteration;
              hostEvent({ type: 'gradientCheck', report: r });
            }
            break;
          case 'diagnoseAction':
            if (msg.action === 'applyLearningRate') {
              const lr = Number(feed.diagnose.lrFind.suggestion.lr.toPrecision(2));
              toWebview({ type: 'diagnoseState', state: { ...feed.diagnose, applied: 'wrote training.optimizer.learningRate = ' + lr + ' into ' + feed.diagnose.fileName } });
            }
            break;
          case 'setLearningRate':
            hostEvent({ type: 'learningRate', iteration, epoch, from: lr, to: msg.value, source: 'user' });
            lr = msg.value;
            break;
          default:
            break;
        }
      },
      getState() {
        return state;
      },
      setState(s) {
        state = s;
        window.sessionStorage.setItem('gl-state-' + view, JSON.stringify(s));
      },
    };
  };
})();
