import { DateTimeResolver, LocalDateResolver } from 'graphql-scalars';

/** `DateTime`: ISO-8601 with offset on output; the platform's formats are converted in the datasources. */
export const DateTimeScalar = DateTimeResolver;

/** `LocalDate`: a calendar day `YYYY-MM-DD` (platform days are China Standard Time days). */
export const LocalDateScalar = LocalDateResolver;
