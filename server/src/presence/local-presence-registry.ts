import type { PresenceChange, PresenceRegistry } from './port.js';

/** The embedded registry: one process holds every socket, so a user is online while it holds one of theirs. */
export class LocalPresenceRegistry implements PresenceRegistry {
  private readonly held = new Set<string>();
  private version = 0;

  async arrive(userId: string, at: Date): Promise<PresenceChange | null> {
    if (this.held.has(userId)) return null;
    this.held.add(userId);
    return { userId, online: true, at, version: ++this.version };
  }

  async depart(userId: string, at: Date): Promise<PresenceChange | null> {
    if (!this.held.delete(userId)) return null;
    return { userId, online: false, at, version: ++this.version };
  }

  async online(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.held.has(id)));
  }

  async beat(): Promise<{ changes: PresenceChange[]; lost: boolean }> {
    return { changes: [], lost: false };
  }

  async leave(held: readonly string[], _graceMs: number, at: Date): Promise<PresenceChange[]> {
    const changes = await Promise.all(held.map((userId) => this.depart(userId, at)));
    return changes.filter((change) => change !== null);
  }
}
