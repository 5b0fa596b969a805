import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum PresenceStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}
registerEnumType(PresenceStatus, {
  name: 'PresenceStatus',
  description: 'Whether someone has Parley open.',
  valuesConfig: {
    ONLINE: { description: 'At least one of their authenticated WebSockets is open, on any instance.' },
    OFFLINE: { description: 'None is; also what anyone sharing no chat with you shows as.' },
  },
});

@ObjectType({ description: 'Whether someone is online, and when they were last seen if not.' })
export class Presence {
  @Field(() => PresenceStatus, { description: 'ONLINE or OFFLINE.' })
  status!: PresenceStatus;

  @Field(() => Date, {
    nullable: true,
    description: 'When their last WebSocket closed; null while they are online, if they were never seen, or if they share no chat with you.',
  })
  lastSeenAt!: Date | null;
}
