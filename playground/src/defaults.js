/** What a first visit shows: a runnable signup, and where the token goes next. */
export const DEFAULT_QUERY = `# Parley's GraphQL playground. Run: Ctrl+Enter or the ▶ button.
#
# 1. Run Signup below (or login) and copy the token it answers.
# 2. Paste it in the Headers tab, replacing the placeholder:
#      { "authorization": "Bearer <token>" }
#    Everything run from this tab then runs as that user,
#    subscriptions included.
# 3. Then try, for example:
#      query { me { id username } }
#      mutation { createDirectChat(userId: "<id>") { id } }
#      mutation { sendMessage(chatId: "<id>", body: "hi") {
#        messageId } }
#      subscription { messageAdded(chatId: "<id>", afterSeq: 0) {
#        seq body sender { username } } }
#
# The schema and its documentation: the book icon, top left.

mutation Signup {
  signup(username: "ada", password: "correct horse") {
    token
    user {
      id
      username
    }
  }
}
`;

/**
 * The request headers every new tab starts with. The placeholder is not a token,
 * so until it is replaced the server treats requests as signed out.
 */
export const DEFAULT_HEADERS = `{
  "authorization": "Bearer <token from signup or login>"
}`;
