// Light, dark or the system's choice; kept in local storage and applied as <html data-theme>.
export type Theme = 'system' | 'light' | 'dark';

export function currentTheme(): Theme {
  const saved = localStorage.getItem('cordon.theme');
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function applyTheme(theme: Theme = currentTheme()): void {
  localStorage.setItem('cordon.theme', theme);
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}
