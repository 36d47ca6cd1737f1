/** The Team tab's tokens: list, create (the secret is kept only until dismissed), revoke. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bridge } from '../../../shared/contract';
import type { CreatedToken, CreateTokenInput, TokenInfo } from '../../../shared/tokens';
import { toBridgeError } from '../bridge/bridge-error';

export interface TokenState {
  tokens: TokenInfo[];
  loaded: boolean;
  busy: boolean;
  error: string | null;
  /** The token just created, secret included: shown once, until dismissed. */
  created: CreatedToken | null;
}

export interface TokenController {
  readonly store: StoreApi<TokenState>;
  load(): Promise<void>;
  create(input: CreateTokenInput): Promise<boolean>;
  revoke(name: string): Promise<void>;
  dismissSecret(): void;
}

export function createTokenController(bridge: Pick<Bridge, 'invoke'>): TokenController {
  const store = createStore<TokenState>(() => ({ tokens: [], loaded: false, busy: false, error: null, created: null }));

  async function run(action: () => Promise<void>): Promise<boolean> {
    store.setState({ busy: true, error: null });
    try {
      await action();
      store.setState({ busy: false });
      return true;
    } catch (reason) {
      store.setState({ busy: false, error: toBridgeError(reason).message });
      return false;
    }
  }

  const load = async (): Promise<void> => {
    const tokens = await bridge.invoke('tokens.list', {});
    store.setState({ tokens, loaded: true });
  };

  return {
    store,
    load: () => run(load).then(() => undefined),
    create: (input) =>
      run(async () => {
        const created = await bridge.invoke('tokens.create', input);
        store.setState({ created });
        await load();
      }),
    revoke: (name) =>
      run(async () => {
        await bridge.invoke('tokens.revoke', { name });
        await load();
      }).then(() => undefined),
    dismissSecret: () => store.setState({ created: null }),
  };
}
