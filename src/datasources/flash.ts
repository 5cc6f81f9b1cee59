import { MessagingOperations, type MessagingEndpoints } from './messaging';

/** Flash SMS (open host): the same operations as SMS on the flash endpoints. */
export class FlashDataSource extends MessagingOperations {
  protected readonly endpoints: MessagingEndpoints = { send: 'flash.send', templates: 'flash.template.list', sent: 'flash.list' };
}
