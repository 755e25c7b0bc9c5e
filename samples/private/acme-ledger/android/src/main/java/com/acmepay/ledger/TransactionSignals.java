package com.acmepay.ledger;

import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable snapshot of everything the on-device fraud evaluator knows about
 * a payment at the moment the merchant taps "Charge".
 *
 * <p>Amounts are in minor units of {@link #getCurrency()}. Velocity counters
 * come from the last sync with the risk service and may be a few minutes
 * stale when the terminal is offline.
 */
public final class TransactionSignals {
    private final String paymentId;
    private final long amountMinor;
    private final String currency;
    private final String cardCountry;
    private final String merchantCountry;
    private final boolean cardPresent;
    private final boolean offline;
    private final int attemptsLastHour;
    private final int declinesLast24h;
    private final long merchantMedianTicketMinor;
    private final Set<String> cardBinFlags;

    private TransactionSignals(Builder b) {
        this.paymentId = Objects.requireNonNull(b.paymentId, "paymentId");
        this.amountMinor = b.amountMinor;
        this.currency = Objects.requireNonNull(b.currency, "currency").toUpperCase(Locale.ROOT);
        this.cardCountry = b.cardCountry == null ? "" : b.cardCountry.toUpperCase(Locale.ROOT);
        this.merchantCountry = Objects.requireNonNull(b.merchantCountry, "merchantCountry").toUpperCase(Locale.ROOT);
        this.cardPresent = b.cardPresent;
        this.offline = b.offline;
        this.attemptsLastHour = b.attemptsLastHour;
        this.declinesLast24h = b.declinesLast24h;
        this.merchantMedianTicketMinor = b.merchantMedianTicketMinor;
        this.cardBinFlags = b.cardBinFlags == null ? Collections.<String>emptySet() : Collections.unmodifiableSet(b.cardBinFlags);
        if (amountMinor <= 0) {
            throw new IllegalArgumentException("amountMinor must be positive, got " + amountMinor);
        }
    }

    public String getPaymentId() { return paymentId; }
    public long getAmountMinor() { return amountMinor; }
    public String getCurrency() { return currency; }
    public String getCardCountry() { return cardCountry; }
    public String getMerchantCountry() { return merchantCountry; }
    public boolean isCardPresent() { return cardPresent; }
    public boolean isOffline() { return offline; }
    public int getAttemptsLastHour() { return attemptsLastHour; }
    public int getDeclinesLast24h() { return declinesLast24h; }
    public long getMerchantMedianTicketMinor() { return merchantMedianTicketMinor; }
    public Set<String> getCardBinFlags() { return cardBinFlags; }

    public boolean isCrossBorder() {
        return !cardCountry.isEmpty() && !cardCountry.equals(merchantCountry);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String paymentId;
        private long amountMinor;
        private String currency;
        private String cardCountry;
        private String merchantCountry;
        private boolean cardPresent = true;
        private boolean offline;
        private int attemptsLastHour;
        private int declinesLast24h;
        private long merchantMedianTicketMinor;
        private Set<String> cardBinFlags;

        public Builder paymentId(String v) { this.paymentId = v; return this; }
        public Builder amountMinor(long v) { this.amountMinor = v; return this; }
        public Builder currency(String v) { this.currency = v; return this; }
        public Builder cardCountry(String v) { this.cardCountry = v; return this; }
        public Builder merchantCountry(String v) { this.merchantCountry = v; return this; }
        public Builder cardPresent(boolean v) { this.cardPresent = v; return this; }
        public Builder offline(boolean v) { this.offline = v; return this; }
        public Builder attemptsLastHour(int v) { this.attemptsLastHour = v; return this; }
        public Builder declinesLast24h(int v) { this.declinesLast24h = v; return this; }
        public Builder merchantMedianTicketMinor(long v) { this.merchantMedianTicketMinor = v; return this; }
        public Builder cardBinFlags(Set<String> v) { this.cardBinFlags = v; return this; }

        public TransactionSignals build() {
            return new TransactionSignals(this);
        }
    }
}
