// Test-only, loaded into the real Electron main process with NODE_OPTIONS=--require (never part of the app):
// keeps the Menu each Tray is given, so a test can click a tray menu item the way a user's click reaches it —
// Electron offers no way to read a tray's context menu back.
/* global require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- --require loads CommonJS only
const { Tray } = require('electron');

const setContextMenu = Tray.prototype.setContextMenu;
Tray.prototype.setContextMenu = function keepMenu(menu) {
  globalThis.__cordonTestTrayMenu = menu;
  return setContextMenu.call(this, menu);
};
