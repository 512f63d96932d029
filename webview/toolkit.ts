/**
 * Registers the webview-ui-toolkit components we use. If that fails (an old webview, a broken
 * bundle), the tags stay unknown elements: CSS gives them a plain button look and clicks still work.
 */
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): boolean {
  try {
    provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeBadge(), vsCodeDivider(), vsCodeTextField());
    document.body.classList.add('toolkit-ready');
    return true;
  } catch (e) {
    console.warn('[gradient-lab] webview-ui-toolkit unavailable, using plain elements', e);
    document.body.classList.add('toolkit-fallback');
    return false;
  }
}
