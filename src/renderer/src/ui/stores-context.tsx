import { createContext, useContext, useEffect, useState } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { AppStores } from '../state/app-stores';

const StoresContext = createContext<AppStores | null>(null);

export const StoresProvider = StoresContext.Provider;

export function useStores(): AppStores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores needs a StoresProvider above it');
  return stores;
}

/** A slice of a vanilla zustand store, re-rendering when it changes. */
export function useSlice<S, T>(store: StoreApi<S>, select: (state: S) => T): T {
  return useStore(store, select);
}

/** The current time, re-read every `intervalMs` (ETAs and ages count with it). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
