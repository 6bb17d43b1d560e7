// Can the tray run here, and if so, run it. `cordon start` asks first and falls back to the headless agent.
// The electron package is never imported from Node: its index.js downloads the binary when it is missing.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = fileURLToPath(new URL('../', import.meta.url));

const EXECUTABLE_BY_PLATFORM: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'electron',
  darwin: 'Electron.app/Contents/MacOS/Electron',
  win32: 'electron.exe',
};

/** The Electron executable installed with the electron npm package, or undefined when it was not downloaded. */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const pkgDir = join(APP_DIR, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : EXECUTABLE_BY_PLATFORM[platform];
  if (!relative) return undefined;
  const candidate = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(pkgDir, 'dist', relative);
  return existsSync(candidate) ? candidate : undefined;
}

/** A graphical session to show a tray in: X11 or Wayland on Linux; macOS and Windows always have one. */
export function displayAvailable(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  return true;
}

export interface TrayCheck {
  electron?: string;
  missing: string[];
}

export function checkTray(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): TrayCheck {
  const electron = findElectronBinary(env, platform);
  const missing: string[] = [];
  if (!electron)
    missing.push(
      `the Electron binary is not installed (${join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron', 'dist')} is missing: it is downloaded by "npm install" unless ELECTRON_SKIP_BINARY_DOWNLOAD is set or there is no network)`,
    );
  if (!displayAvailable(env, platform)) missing.push('there is no display to show a tray icon on (DISPLAY and WAYLAND_DISPLAY are unset, e.g. an SSH session or a server)');
  return { electron, missing };
}

/** One paragraph: what is missing, and what happens instead. */
export function headlessExplanation(missing: string[], socket: string): string {
  const what = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join('; ')}; and ${missing.at(-1)}`;
  return (
    `Cordon cannot open its tray app here: ${what}. ` +
    `Running the Cordon agent headless in the foreground instead, as this user: it stops the AI coding tools the policy restricts when this user starts them, ` +
    `and answers status requests on ${socket}. Press Ctrl+C to stop it.`
  );
}

/** Runs the tray (Electron on this app) until it exits; SIGINT/SIGTERM are passed on. */
export function runTray(electron: string, args: string[] = []): Promise<number> {
  const child = spawn(electron, [APP_DIR, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 0 : 1));
    });
  });
}
