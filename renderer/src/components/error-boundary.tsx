// Keeps a rendering bug in one view from blanking the whole window: shows what broke and a retry.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** Changing it clears the error (e.g. the active tab). */
  resetKey: string;
}

interface State {
  error: Error | null;
  resetKey: string;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('view crashed', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="banner banner-error" role="alert" data-testid="view-error">
        <div className="banner-body">
          <strong className="banner-title">This view hit a bug and stopped rendering</strong>
          <span className="banner-msg">{error.message}</span>
        </div>
        <button type="button" className="btn btn-sm" onClick={() => this.setState({ error: null })}>
          Retry
        </button>
      </div>
    );
  }
}
