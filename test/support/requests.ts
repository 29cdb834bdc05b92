/** The request most tests reach for: a support agent mailing a customer's card number, which the starter set denies. */
export const cardToEmail = {
  principal: { type: 'Agent', id: 'support-bot' },
  action: 'send_external',
  resource: { type: 'Channel', id: 'email' },
  content: 'Your card 4111 1111 1111 1111 is on file',
};
