import { Inject } from '@nestjs/common';

/**
 * The app's problem `type` prefix (`HttpKitModule`'s `problemTypeBase`), provided and exported
 * by `HttpKitModule`; inject it with `@InjectProblemTypeBase()`.
 */
export const PROBLEM_TYPE_BASE = Symbol.for('kit.http.problemTypeBase');

/** Injects `PROBLEM_TYPE_BASE`. */
export const InjectProblemTypeBase = (): ParameterDecorator => Inject(PROBLEM_TYPE_BASE);
