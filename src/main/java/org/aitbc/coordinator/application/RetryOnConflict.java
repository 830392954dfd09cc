package org.aitbc.coordinator.application;

import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a use case that runs again, in a new transaction, when its transaction lost a lock or
 * version race; {@link ConflictRetry} does it. Only for methods that run outside a transaction
 * and call one transactional EJB method per try (see there why).
 */
@Inherited
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RetryOnConflict {}
