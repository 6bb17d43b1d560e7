// "Open at login" for the current user. macOS and Windows keep it in the OS (Electron's login item settings);
// Linux desktops read an XDG autostart entry. Installers register it for all users; this is the per-user switch.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { App } from 'electron';
import { writeFileAtomic } from '../policy/atomic-file.ts';

export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'autostart', 'cordon-tray.desktop');
}

export function autostartEntry(execPath: string): string {
  return `[Desktop Entry]\nType=Application\nName=Cordon\nComment=Cordon status\nExec="${execPath}" --hidden\nX-GNOME-Autostart-enabled=true\nNoDisplay=true\n`;
}

export function openAtLogin(app: App): boolean {
  if (process.platform === 'linux') return existsSync(autostartFile());
  return app.getLoginItemSettings().openAtLogin;
}

export function setOpenAtLogin(app: App, on: boolean): void {
  if (process.platform === 'linux') {
    const file = autostartFile();
    if (!on) return rmSync(file, { force: true });
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, autostartEntry(process.env.APPIMAGE ?? app.getPath('exe')));
    return;
  }
  app.setLoginItemSettings({ openAtLogin: on, args: ['--hidden'] });
}
