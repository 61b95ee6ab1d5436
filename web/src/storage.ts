/** @module What the page remembers in localStorage: the API key and the chosen model. */
const KEY = "switchyard.apiKey";
const MODEL = "switchyard.model";

const read = (name: string): string | null => {
  try {
    return localStorage.getItem(name);
  } catch {
    return null;
  }
};
const write = (name: string, value: string | null) => {
  try {
    if (value === null) localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch {
    // Storage can be off (private windows); the page still works for this visit.
  }
};

export const savedKey = () => read(KEY);
export const saveKey = (key: string | null) => write(KEY, key);
export const savedModel = () => read(MODEL);
export const saveModel = (model: string) => write(MODEL, model);

/** The open conversation lives in the URL's hash, so a reload (or a shared link) reopens it. */
export const hashConversation = (): string | null => {
  const id = decodeURIComponent(location.hash.slice(1));
  return /^conv_[A-Za-z0-9_-]+$/.test(id) ? id : null;
};
export const setHashConversation = (id: string | null) => {
  const url = id ? `#${id}` : `${location.pathname}${location.search}`;
  if ((id ?? null) !== hashConversation()) history.pushState(null, "", url);
};
