int keel_placeholder;
