// The Electron fuses Cordon ships with: switches baked into the Electron binary at packaging time that remove
// ways to run arbitrary code inside a signed, trusted app. electron-builder.yml's electronFuses must match
// (a test checks); `flipCordonFuses` applies them to an unpacked app by hand (e.g. a custom build pipeline).
import { FuseV1Options, FuseVersion, flipFuses } from '@electron/fuses';

export const CORDON_FUSES = {
  /** ELECTRON_RUN_AS_NODE would turn the app into a general-purpose Node runtime. */
  runAsNode: false,
  /** NODE_OPTIONS could inject --require'd code into the tray. */
  enableNodeOptionsEnvironmentVariable: false,
  /** --inspect/--inspect-brk (and SIGUSR1) would open a debugger into the main process. */
  enableNodeCliInspectArguments: false,
  /** The app.asar must match the hash embedded at build time (macOS, Windows). */
  enableEmbeddedAsarIntegrityValidation: true,
  /** Load the app only from app.asar, never from a loose app/ folder someone put beside it. */
  onlyLoadAppFromAsar: true,
  /** Cookies encrypted at rest with an OS-protected key. */
  enableCookieEncryption: true,
  /** The window is served from a private scheme; file:// pages get no extra privileges. */
  grantFileProtocolExtraPrivileges: false,
} as const;

export async function flipCordonFuses(electronBinary: string): Promise<void> {
  await flipFuses(electronBinary, {
    version: FuseVersion.V1,
    [FuseV1Options.RunAsNode]: CORDON_FUSES.runAsNode,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: CORDON_FUSES.enableNodeOptionsEnvironmentVariable,
    [FuseV1Options.EnableNodeCliInspectArguments]: CORDON_FUSES.enableNodeCliInspectArguments,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: CORDON_FUSES.enableEmbeddedAsarIntegrityValidation,
    [FuseV1Options.OnlyLoadAppFromAsar]: CORDON_FUSES.onlyLoadAppFromAsar,
    [FuseV1Options.EnableCookieEncryption]: CORDON_FUSES.enableCookieEncryption,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: CORDON_FUSES.grantFileProtocolExtraPrivileges,
  });
}
