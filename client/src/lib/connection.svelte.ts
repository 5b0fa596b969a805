/**
 * The live connection as the person should see it. `resumes` counts
 * reconnections after a drop: whatever follows the server live (the chat
 * list, an open chat) watches it to catch up on what it missed.
 */
export type LinkState = 'connecting' | 'online' | 'reconnecting';

export class ConnectionState {
  state = $state<LinkState>('connecting');
  resumes = $state(0);

  connected(): void {
    if (this.state === 'reconnecting') this.resumes += 1;
    this.state = 'online';
  }

  dropped(): void {
    // Before the first connection there is nothing to resume yet; keep saying "connecting".
    if (this.state === 'online') this.state = 'reconnecting';
  }
}
