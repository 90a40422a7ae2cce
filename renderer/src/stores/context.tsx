// React access to the RootStore: one provider at the top of the tree, `useStores()` below it.
import { createContext, useContext, type ReactElement, type ReactNode } from 'react';
import type { RootStore } from './root-store';

const StoresContext = createContext<RootStore | null>(null);

export function StoresProvider({ store, children }: { store: RootStore; children: ReactNode }): ReactElement {
  return <StoresContext value={store}>{children}</StoresContext>;
}

export function useStores(): RootStore {
  const store = useContext(StoresContext);
  if (!store) throw new Error('useStores() outside <StoresProvider>');
  return store;
}
