// DevTools are for developing the tray (npm run tray from source). In a packaged build they would let anyone at
// the keyboard script the status window, so they are off there, whatever the environment says: the old switch
// was an environment variable the packaged app never set, which left them on.
export function devToolsAllowed(isPackaged: boolean): boolean {
  return !isPackaged;
}
