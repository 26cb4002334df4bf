// Placeholder until the twins land (issue 4).
return 0;
