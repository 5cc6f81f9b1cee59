import { DateTimeResolver } from 'graphql-scalars';

/** `DateTime`: ISO-8601 with offset on output; the platform's formats are converted in the datasources. */
export const DateTimeScalar = DateTimeResolver;
