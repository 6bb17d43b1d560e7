// `npm run icons`: writes build/icons/ from the shapes in icon-drawing.ts. Per tray state: PNG 16 px and @2x
// (Linux, Windows fallback), macOS template images (Template, Template@2x), a Windows .ico (16–48 px); plus the
// app icon (512 px PNG, from which electron-builder makes .icns, and a .ico up to 256 px).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAY_STATES } from '../ui-shared/tray-state.ts';
import { appIcon, trayIcon } from './icon-drawing.ts';
import { encodeIco, encodePng } from './png-encoder.ts';

export const ICONS_DIR = fileURLToPath(new URL('./icons/', import.meta.url));

/** Every icon file, by name, as bytes. */
export function iconFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const state of TRAY_STATES) {
    files.set(`tray-${state}.png`, encodePng(trayIcon(state, 16, false)));
    files.set(`tray-${state}@2x.png`, encodePng(trayIcon(state, 32, false)));
    files.set(`tray-${state}Template.png`, encodePng(trayIcon(state, 16, true)));
    files.set(`tray-${state}Template@2x.png`, encodePng(trayIcon(state, 32, true)));
    files.set(`tray-${state}.ico`, encodeIco([16, 24, 32, 48].map((size) => ({ size, png: encodePng(trayIcon(state, size, false)) }))));
  }
  files.set('icon.png', encodePng(appIcon(512)));
  files.set('icon.ico', encodeIco([16, 32, 48, 64, 128, 256].map((size) => ({ size, png: encodePng(appIcon(size)) }))));
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(ICONS_DIR, { recursive: true });
  const files = iconFiles();
  for (const [name, bytes] of files) writeFileSync(join(ICONS_DIR, name), bytes);
  process.stdout.write(`wrote ${files.size} icons to ${ICONS_DIR}\n`);
}
