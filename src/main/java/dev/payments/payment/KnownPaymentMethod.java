package dev.payments.payment;

import dev.payments.processor.DemoCard;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A payment method token the processor knows. */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = KnownPaymentMethod.Validator.class)
public @interface KnownPaymentMethod {

    String message() default "must be one of " + DemoCard.ALL_TOKENS;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<KnownPaymentMethod, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || DemoCard.byToken(value).isPresent();
        }
    }
}
