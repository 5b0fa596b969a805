import { Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { unauthenticated } from '../../domain/errors.js';
import { LoginArgs, SignupArgs, UsersArgs } from '../args.js';
import { requireViewer, type Context } from '../context.js';
import { AuthPayload, User } from '../types/user.js';

@Resolver()
export class AuthResolver {
  @Query(() => User, { description: 'The signed-in user. UNAUTHENTICATED when the account behind the token no longer exists.' })
  async me(@Ctx() context: Context): Promise<User> {
    const user = await context.loaders.user.load(requireViewer(context));
    if (!user) throw unauthenticated('The account behind this token no longer exists');
    return user;
  }

  @Query(() => [User], { description: 'Find people (and bots) to chat with, by the start of their username or display name; everyone when search is left out. In username order.' })
  users(@Args() { search, first }: UsersArgs, @Ctx() context: Context): Promise<User[]> {
    requireViewer(context);
    return context.services.users.search(search, first);
  }

  @Mutation(() => AuthPayload, { description: 'Create an account and sign in to it. Needs no token. Usernames are case-insensitive: CONFLICT when one is taken; RATE_LIMITED after too many signups from one network address.' })
  signup(@Args() { username, password, displayName }: SignupArgs, @Ctx() { services, clientIp }: Context): Promise<AuthPayload> {
    return services.auth.signup(username, password, displayName, clientIp);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in: a token for the account. Wrong usernames and passwords get the same answer; attempts are limited per username and per address. Needs no token. UNAUTHENTICATED for a wrong username or password; RATE_LIMITED past a limit (`extensions.retryAfterMs`).' })
  login(@Args() { username, password }: LoginArgs, @Ctx() { services, clientIp }: Context): Promise<AuthPayload> {
    return services.auth.login(username, password, clientIp);
  }
}
