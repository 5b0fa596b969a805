import { Field, ObjectType } from 'type-graphql';
import { Message } from './message.js';
import { PageInfo } from './page-info.js';

@ObjectType({ description: 'One search result: a message that matched, and the part of it that did.' })
export class MessageSearchEdge {
  @Field({ description: 'Pass as `after` for the results that follow this one.' })
  cursor!: string;

  @Field(() => Message, { description: 'The message as it is now.' })
  node!: Message;

  @Field({
    description:
      'The matching part of the message on one line, up to 160 characters, each match between [[ and ]], with … where the message goes on. The marks are added as they are: text that itself contains [[ or ]] is not escaped.',
  })
  snippet!: string;
}

@ObjectType({ description: 'A page of search results, best match first, then newest (Relay connection).' })
export class MessageSearchConnection {
  @Field(() => [MessageSearchEdge], { description: 'The page, in order.' })
  edges!: MessageSearchEdge[];

  @Field(() => PageInfo, { description: 'Whether more results follow, and where.' })
  pageInfo!: PageInfo;
}
