import { MessagingOperations } from './messaging';

/** Flash SMS (open host): the same operations as SMS on the flash endpoints. */
export class FlashDataSource extends MessagingOperations {
  protected readonly endpoints = { send: 'flash.send', templates: 'flash.template.list', sent: 'flash.list' };
}
