/**
 * View state that is not domain data: the active tab, the error/notice banners and the connection.
 * Every store reports failures here (`reportError`) so the page shows one consistent banner per
 * problem: a title saying what failed, the server's message, and its code and input path.
 */
import { makeAutoObservable } from 'mobx';
import { toCallError } from '../api/errors';
import type { ConnectionInfo } from '../api/transport';
import type { RootStore } from './root-store';

export const TABS = [
  'data',
  'calibration',
  'backtest',
  'orderbook',
  'runs',
  'stress',
  'training',
  'paper',
] as const;
export type Tab = (typeof TABS)[number];

export type BannerKind = 'error' | 'warning' | 'info';

export interface Banner {
  id: number;
  kind: BannerKind;
  title: string;
  message: string;
  code: string;
  path: string;
  /** How many times the same banner was raised (shown as ×n instead of stacking copies). */
  count: number;
}

const MAX_BANNERS = 5;

export class UiStore {
  activeTab: Tab = 'backtest';
  readonly banners = new Map<number, Banner>();
  connection: ConnectionInfo = { state: 'connecting', detail: '' };
  private nextId = 1;

  constructor(readonly root: RootStore) {
    makeAutoObservable(this, { root: false }, { autoBind: true });
  }

  setTab(tab: Tab): void {
    this.activeTab = tab;
  }

  /**
   * Follows the transport's connection. Leaving `open` marks whatever the page shows as running as
   * state-unknown; coming back re-syncs it from the server instead of assuming.
   */
  setConnection(info: ConnectionInfo): void {
    const prev = this.connection.state;
    this.connection = info;
    if (prev === 'open' && info.state !== 'open') {
      this.root.backtest.onConnectionLost();
      this.root.replay.onConnectionLost();
      this.root.training.onConnectionLost();
      this.root.data.onConnectionLost();
    } else if (prev !== 'open' && prev !== 'connecting' && info.state === 'open') {
      void this.root.backtest.resync();
      void this.root.training.resync();
      void this.root.data.resync();
      void this.root.paper.resync();
    }
  }

  /** The page is not connected and knows why (shown as one banner above the views). */
  get connectionProblem(): string | null {
    const { state, detail } = this.connection;
    if (state === 'open' || state === 'connecting' || detail === '') return null;
    return detail;
  }

  get bannerList(): Banner[] {
    return [...this.banners.values()];
  }

  /** Shows a failed API call (or any thrown value) as an error banner titled by what was being done. */
  reportError(title: string, e: unknown): void {
    const err = toCallError(e);
    this.push('error', title, err.message, err.code, err.path);
  }

  notify(kind: BannerKind, title: string, message: string): void {
    this.push(kind, title, message, '', '');
  }

  dismiss(id: number): void {
    this.banners.delete(id);
  }

  dismissAll(): void {
    this.banners.clear();
  }

  /**
   * One banner per problem: the same kind and title again counts up (same message) or replaces the
   * old banner (a new message, e.g. the next config error), so banners never stack for one problem.
   */
  private push(kind: BannerKind, title: string, message: string, code: string, path: string): void {
    for (const b of this.banners.values()) {
      if (b.kind !== kind || b.title !== title) continue;
      if (b.message === message) {
        b.count++;
        return;
      }
      this.banners.delete(b.id);
      break;
    }
    const id = this.nextId++;
    this.banners.set(id, { id, kind, title, message, code, path, count: 1 });
    while (this.banners.size > MAX_BANNERS) {
      const oldest = this.banners.keys().next().value;
      if (oldest === undefined) break;
      this.banners.delete(oldest);
    }
  }
}
