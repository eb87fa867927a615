package dev.payments.processor;

import dev.payments.deadline.RequestBudget;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Chooses the adapter behind the {@link PaymentProcessor} port, once, at start. */
public class ProcessorSelection {

    private static final Logger LOG = Logger.getLogger(ProcessorSelection.class);

    @Produces
    @Singleton
    PaymentProcessor processor(ProcessorConfig processor, RequestBudget budget) {
        String adapter = processor.adapter();
        if (adapter.equals("auto")) {
            adapter = processor.url().isPresent() ? "http" : "demo";
        }
        switch (adapter) {
            case "http" -> {
                LOG.infof("payment processor: %s", processor.url().map(Object::toString).orElse("(no url)"));
                return new HttpProcessor(processor, budget.processorCall(), budget.toAnswer());
            }
            case "demo" -> {
                LOG.info("payment processor: the in-process demo processor (test cards only; no money moves)");
                return new DemoProcessor();
            }
            default -> throw new IllegalStateException(
                    "payments.processor.adapter must be auto, http or demo, not " + adapter);
        }
    }
}
