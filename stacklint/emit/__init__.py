"""Writing a merged model back out as a stack file, in the key order Docker prints."""
